//! The page in a real browser: headless Chromium, driven over the DevTools protocol
//! (headless_chrome), opens `index.html` rendered from the fixture reports of `xtask/tests/report/`
//! and must show every section, log no console error, request nothing but the file itself and not
//! overflow sideways at 1280 and at 400 pixels wide; a screenshot at each width is saved under
//! `target/report-browser/`. Where no Chromium is installed the test says so in one line and
//! passes without checking (CI installs Debian's `chromium` first, so it runs there).

use std::{
    fs,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use headless_chrome::{
    protocol::cdp::{types::Event, Emulation, Network, Page},
    Browser, LaunchOptions, Tab,
};

use super::{chromium, fixtures, page::SECTIONS, render, tests::FIXTURE_HEAD, NO_CHROMIUM};

/// The widths the page must be readable at, in CSS pixels.
const WIDTHS: [u32; 2] = [1280, 400];

/// Where the screenshots go.
fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/report-browser")
}

fn browser() -> anyhow::Result<Option<Browser>> {
    let Some(path) = chromium() else {
        eprintln!("{NO_CHROMIUM}");
        return Ok(None);
    };
    let options = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        // CI runs as root, where Chromium refuses its sandbox.
        .sandbox(false)
        .window_size(Some((WIDTHS[0], 900)))
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .map_err(|err| anyhow::anyhow!("Chromium's launch options: {err}"))?;
    Browser::new(options)
        .map(Some)
        .context("start headless Chromium")
}

/// What went wrong with the page at `file`, one line each; screenshots named `<name>-<width>.png`.
fn problems(browser: &Browser, file: &Path, name: &str) -> anyhow::Result<Vec<String>> {
    let url = format!("file://{}", file.display());
    let tab = browser.new_tab().context("open a tab")?;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&seen);
    let own = url.clone();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let line = match event {
            Event::NetworkRequestWillBeSent(e) if e.params.request.url != own => {
                Some(format!("a request to {}", e.params.request.url))
            }
            Event::RuntimeConsoleAPICalled(e)
                if matches!(
                    e.params.Type,
                    headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption::Error
                ) =>
            {
                Some(format!(
                    "a console error: {:?}",
                    e.params.args.first().and_then(|a| a.value.clone())
                ))
            }
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("an exception: {}", e.params.exception_details.text))
            }
            Event::LogEntryAdded(e)
                if matches!(
                    e.params.entry.level,
                    headless_chrome::protocol::cdp::Log::LogEntryLevel::Error
                ) =>
            {
                Some(format!("a logged error: {}", e.params.entry.text))
            }
            _ => None,
        };
        if let (Some(line), Ok(mut seen)) = (line, record.lock()) {
            seen.push(line);
        }
    }))
    .context("listen to the tab")?;
    tab.enable_log().context("enable the log")?;
    tab.enable_runtime().context("enable the runtime")?;
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .context("enable the network domain")?;
    let mut found = Vec::new();
    for width in WIDTHS {
        resize(&tab, width, 900)?;
        tab.navigate_to(&url)
            .and_then(|tab| tab.wait_until_navigated())
            .with_context(|| format!("open {url}"))?;
        for (id, _) in SECTIONS {
            let shown = number(&tab, &format!(
                "(() => {{ const s = document.getElementById('{id}'); \
                 return s && s.tagName === 'SECTION' && s.querySelector('h2') ? s.offsetHeight : 0; }})()"
            ))?;
            if shown <= 0.0 {
                found.push(format!(
                    "at {width} px: the section {id} is missing or empty"
                ));
            }
        }
        let overflow = number(
            &tab,
            "document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )?;
        if overflow > 0.0 {
            found.push(format!(
                "at {width} px: the page is {overflow} px wider than the window"
            ));
        }
        let height = number(&tab, "document.documentElement.scrollHeight")?;
        // The whole page in one picture, up to a height any viewer opens.
        resize(&tab, width, height.clamp(300.0, 16_000.0) as u32)?;
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .context("take a screenshot")?;
        fs::create_dir_all(screenshots())?;
        fs::write(screenshots().join(format!("{name}-{width}.png")), png)?;
    }
    // Events arrive on the connection's thread; give the last ones a moment to land.
    std::thread::sleep(Duration::from_millis(200));
    let seen = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
    found.extend(seen);
    let _ = tab.close(true);
    Ok(found)
}

fn resize(tab: &Tab, width: u32, height: u32) -> anyhow::Result<()> {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: 1.0,
        mobile: false,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })
    .context("set the window's size")?;
    Ok(())
}

fn number(tab: &Tab, expression: &str) -> anyhow::Result<f64> {
    let value = tab
        .evaluate(expression, false)
        .with_context(|| format!("evaluate {expression}"))?;
    value
        .value
        .and_then(|v| v.as_f64())
        .with_context(|| format!("{expression} is not a number"))
}

#[test]
fn the_page_shows_every_section_and_loads_nothing_at_1280_and_400_px() -> anyhow::Result<()> {
    let Some(browser) = browser()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let page = render(&fixtures(), &fixtures(), Some(FIXTURE_HEAD))?;
    let good = dir.path().join("index.html");
    fs::write(&good, &page.html)?;
    assert_eq!(problems(&browser, &good, "index")?, Vec::<String>::new());
    for width in WIDTHS {
        let png = fs::read(screenshots().join(format!("index-{width}.png")))?;
        assert!(png.starts_with(b"\x89PNG"), "the screenshot at {width} px");
    }

    // The same checks catch a page that loads something, lacks a section or is too wide.
    let broken = page
        .html
        .replacen("<section id=\"trend\">", "<section id=\"not-trend\">", 1)
        .replacen(
            "</body>",
            "<img alt=\"\" src=\"https://example.invalid/pixel.png\">\
             <div style=\"width: 900px\">wide</div></body>",
            1,
        );
    let bad = dir.path().join("broken.html");
    fs::write(&bad, broken)?;
    let found = problems(&browser, &bad, "broken")?;
    let has = |needle: &str| found.iter().any(|line| line.contains(needle));
    assert!(
        has("a request to https://example.invalid/pixel.png"),
        "{found:?}"
    );
    assert!(has("at 1280 px: the section trend is missing"), "{found:?}");
    assert!(has("at 400 px: the page is"), "{found:?}");
    assert!(!has("at 1280 px: the page is"), "{found:?}");
    Ok(())
}
