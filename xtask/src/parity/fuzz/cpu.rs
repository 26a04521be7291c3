//! The CPU time a fuzz run costs over every process it runs: the xtask's own and that of its
//! worker processes once they have exited, read from `/proc/self/stat` (Linux; elsewhere
//! there is no figure). The workers run beside the xtask on other cores, so the wall-clock
//! speed of a run depends on how busy the machine is; its CPU time per path does not.

use std::fs;
use std::time::Duration;

/// The clock ticks `/proc` counts in: `USER_HZ`, 100 on every Linux architecture.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time (user and system) of this process and of its children that have exited and were
/// waited for, so far; `None` where `/proc/self/stat` cannot be read.
pub fn used() -> Option<Duration> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

/// `utime + stime + cutime + cstime` of a `/proc/<pid>/stat` line. The command name (in
/// parentheses) may hold spaces, so the fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<Duration> {
    let after = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
    // majflt, cmajflt, then utime, stime, cutime, cstime.
    let mut ticks = 0;
    for index in 11..15 {
        ticks += fields.get(index)?.parse::<u64>().ok()?;
    }
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cpu_fields_are_summed_after_the_command_name() {
        let line = "4242 (x task) R 1 2 3 4 5 6 7 8 9 10 150 25 300 25 20 0 1 0 99 0 0";
        assert_eq!(parse_stat(line), Some(Duration::from_millis(5000)));
        assert_eq!(parse_stat("4242 (x) R 1 2"), None);
        assert_eq!(parse_stat("no name"), None);
    }

    #[test]
    fn this_process_has_a_figure_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(used().is_some());
        }
    }
}
