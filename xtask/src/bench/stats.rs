//! The statistics of the paired wall-time comparison: the median, its seeded bootstrap
//! interval, the Wilcoxon signed-rank test, Holm's correction across scenarios, and the
//! wall-time verdict built from them.
//!
//! Wall-clock times on a shared machine move by tens of percent between runs, so nothing here
//! assumes normality: the summary is a median, its interval comes from resampling, and the test
//! uses ranks. Every function is pure (no I/O, no clock, no global random state) so that the
//! same samples and seed always give the same report.

use std::cmp::Ordering;

/// The number of bootstrap resamples `paired_ratios` draws: with 10 000, the 2.5% and 97.5%
/// percentiles each rest on 250 resamples, so reruns with another seed move the interval's
/// ends by far less than the machine's noise does.
pub const RESAMPLES: usize = 10_000;

/// The confidence level of the interval `paired_ratios` reports.
pub const LEVEL: f64 = 0.95;

/// Up to this many non-zero differences without ties, `wilcoxon_signed_rank` uses the exact
/// distribution: 2^25 subsets still count in a `u64`, and by then the normal approximation is
/// within a few thousandths of it.
const EXACT_MAX_N: usize = 25;

/// The median of `xs`: the middle value, or the mean of the two middle values when the count is
/// even.
///
/// The median rather than the mean because a timing sample's outliers (a preempted batch, a
/// page fault) are one-sided and large; one of them moves the mean, not the median.
/// `None` for an empty sample or one holding a non-finite value: NaN has no place in an order,
/// and an infinite time is a measurement that failed, not a long one.
pub fn median(xs: &[f64]) -> Option<f64> {
    median_of_sorted(&finite_sorted(xs)?)
}

/// A copy of `xs` sorted ascending, or `None` if it is empty or holds a non-finite value.
fn finite_sorted(xs: &[f64]) -> Option<Vec<f64>> {
    if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Some(sorted)
}

/// The median of an already sorted, non-empty slice.
fn median_of_sorted(sorted: &[f64]) -> Option<f64> {
    let mid = sorted.len() / 2;
    let upper = *sorted.get(mid)?;
    if sorted.len() % 2 == 1 {
        return Some(upper);
    }
    let lower = *sorted.get(mid.checked_sub(1)?)?;
    // Halving the gap, rather than the sum, cannot overflow.
    Some(lower + (upper - lower) / 2.0)
}

/// The `q`-quantile of a sorted, non-empty slice, interpolated linearly between the two
/// nearest order statistics (Hyndman and Fan's type 7, the default of R and numpy).
fn quantile_of_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * q.clamp(0.0, 1.0);
    let below = h.floor();
    let lo = *sorted.get(below as usize)?;
    let hi = *sorted.get((h.ceil() as usize).min(last))?;
    Some(lo + (h - below) * (hi - lo))
}

/// The percentile bootstrap confidence interval of the median of `xs`, at confidence `level`
/// (e.g. 0.95), from `resamples` resamples (e.g. 10 000) drawn with a generator seeded by
/// `seed`: the same arguments always give the same interval.
///
/// Each resample draws `xs.len()` values from `xs` with replacement and takes their median; the
/// interval's ends are the `(1 - level) / 2` and `(1 + level) / 2` quantiles of those medians.
/// The percentile method because the median's sampling distribution has no usable closed form
/// for skewed, lumpy timing data, and because it needs no variance estimate; the refinement
/// BCa would add rests on a jackknife, which is known to be inconsistent for the median.
///
/// `None` for an empty sample or one holding a non-finite value, no resamples, or a level
/// outside (0, 1).
pub fn bootstrap_median_ci(
    xs: &[f64],
    resamples: usize,
    level: f64,
    seed: u64,
) -> Option<(f64, f64)> {
    // Written so that a NaN level fails too.
    if resamples == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let data = finite_sorted(xs)?;
    let n = data.len();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut resample = vec![0.0; n];
    let mut medians = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for slot in &mut resample {
            // `n` is at least 1 (`finite_sorted` refuses an empty sample), so the range is
            // never empty.
            *slot = *data.get(rng.usize(..n))?;
        }
        resample.sort_unstable_by(f64::total_cmp);
        medians.push(median_of_sorted(&resample)?);
    }
    medians.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    Some((
        quantile_of_sorted(&medians, tail)?,
        quantile_of_sorted(&medians, 1.0 - tail)?,
    ))
}

/// The two-sided p-value of the Wilcoxon signed-rank test that `diffs` are centred on 0.
///
/// The differences are ranked by absolute value (tied values share the mean of their ranks)
/// and the statistic is the sum of the ranks of the positive ones. Zeros are dropped before
/// ranking, which is Wilcoxon's own convention (R's `wilcox.test` and scipy's default do the
/// same): a pair that did not differ says nothing about the direction of a shift.
///
/// With at most 25 non-zero differences and no ties the p-value comes from the exact null
/// distribution, counted by dynamic programming over the rank sums: the normal approximation
/// is poor for small samples, and those are the ones we have. Otherwise it comes from the
/// normal approximation, with the variance reduced for ties and a continuity correction of
/// one half (as R's `wilcox.test(exact = FALSE, correct = TRUE)` and scipy's
/// `wilcoxon(method="approx", correction=True)` do); with ties the exact distribution above
/// no longer applies, since the ranks are no longer 1..n.
///
/// A rank test rather than a t-test because timing differences are skewed and carry outliers,
/// and a test that uses ranks only is not swayed by one preempted batch.
///
/// `None` when no non-zero difference remains (there is then nothing to test), or when a
/// difference is not finite.
pub fn wilcoxon_signed_rank(diffs: &[f64]) -> Option<f64> {
    if diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let mut nonzero: Vec<f64> = diffs.iter().copied().filter(|d| *d != 0.0).collect();
    if nonzero.is_empty() {
        return None;
    }
    nonzero.sort_unstable_by(|a, b| a.abs().total_cmp(&b.abs()));
    let n = nonzero.len();

    // The sum of the positive differences' ranks, and the tie term sum(t^3 - t) over the
    // groups of t equal absolute values.
    let mut w_plus = 0.0;
    let mut tie_term = 0.0;
    let mut ranked = 0usize;
    for group in nonzero.chunk_by(|a, b| a.abs() == b.abs()) {
        let t = group.len();
        // The group holds ranks ranked + 1 ..= ranked + t; each gets their mean.
        let rank = (2 * ranked + t + 1) as f64 / 2.0;
        let positives = group.iter().filter(|d| **d > 0.0).count();
        w_plus += rank * positives as f64;
        let t = t as f64;
        tie_term += t * t * t - t;
        ranked += group.len();
    }

    if n <= EXACT_MAX_N && tie_term == 0.0 {
        // Without ties every rank is an integer, so the sum is one exactly.
        exact_signed_rank_p(n, w_plus as usize)
    } else {
        normal_signed_rank_p(n, w_plus, tie_term)
    }
}

/// The exact two-sided p-value of the signed-rank statistic `w_plus` with `n` untied ranks:
/// twice the smaller tail probability, capped at 1.
///
/// Under the null hypothesis each rank 1..n is positive with probability 1/2, independently,
/// so the statistic's distribution is the number of subsets of 1..n with each sum, over 2^n.
/// Those counts are built one rank at a time: adding rank k, a subset sum s is reached either
/// without k (from s) or with it (from s - k).
fn exact_signed_rank_p(n: usize, w_plus: usize) -> Option<f64> {
    let max_sum = n.checked_mul(n + 1)? / 2;
    let mut counts = vec![0u64; max_sum + 1];
    *counts.first_mut()? = 1;
    for k in 1..=n {
        let without_k = counts.clone();
        for (with_k, before) in counts.iter_mut().skip(k).zip(&without_k) {
            *with_k = with_k.checked_add(*before)?;
        }
    }
    let total = 1u64.checked_shl(u32::try_from(n).ok()?)?;
    let at_most: u64 = counts.iter().take(w_plus.checked_add(1)?).sum();
    let at_least: u64 = counts.iter().skip(w_plus).sum();
    let twice_tail = at_most.min(at_least).checked_mul(2)?.min(total);
    Some(twice_tail as f64 / total as f64)
}

/// The two-sided p-value of the signed-rank statistic `w_plus` for `n` non-zero differences
/// by the normal approximation, with the tie correction of the variance (`tie_term` is
/// sum(t^3 - t) over the groups of t tied absolute values) and a continuity correction of
/// one half towards the mean.
fn normal_signed_rank_p(n: usize, w_plus: f64, tie_term: f64) -> Option<f64> {
    let n = n as f64;
    let mean = n * (n + 1.0) / 4.0;
    let variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - tie_term / 48.0;
    // Positive for every n >= 1, whatever the ties; kept as a guard, not a case.
    if variance.is_nan() || variance <= 0.0 {
        return None;
    }
    // The statistic moves in steps of one half at least, so a non-zero distance from the mean
    // is never below the correction; the `max` only keeps a zero distance at zero.
    let z = ((w_plus - mean).abs() - 0.5).max(0.0) / variance.sqrt();
    Some(erfc(z / std::f64::consts::SQRT_2).min(1.0))
}

/// The complementary error function, to a relative error of about 1e-12 (checked in the tests
/// against values from the C library's `erfc`).
///
/// The standard library has no `erfc`, and one function does not justify a dependency. Below
/// 2.5 it sums the series erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^k x^(2k+1) / (1*3*...*(2k+1)),
/// whose terms are all positive (no cancellation); above, where 1 - erf(x) would cancel, it
/// evaluates Laplace's continued fraction for erfc, which converges fast there.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let scale = (-x * x).exp() / std::f64::consts::PI.sqrt();
    if x < 2.5 {
        let step = 2.0 * x * x;
        let mut term = x;
        let mut sum = x;
        // About 60 terms suffice at x = 2.5; the bound only makes termination obvious.
        for k in 1..200 {
            term *= step / f64::from(2 * k + 1);
            sum += term;
            if term <= 1e-17 * sum {
                break;
            }
        }
        1.0 - 2.0 * scale * sum
    } else {
        // erfc(x) = scale / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...)))), evaluated
        // from a deep level upwards; 120 levels are exact to double precision from 2.5 on.
        let mut denominator = x;
        for k in (1..=120u32).rev() {
            denominator = x + f64::from(k) / 2.0 / denominator;
        }
        scale / denominator
    }
}

/// Holm-Bonferroni adjusted p-values, in the order of `pvalues`.
///
/// Sorted ascending, the i-th smallest of m p-values (i from 0) is multiplied by m - i, and
/// each adjusted value is the running maximum of those products, capped at 1; rejecting where
/// the adjusted value is below alpha then bounds the chance of any false regression across all
/// scenarios by alpha. Holm rather than plain Bonferroni because it is never less powerful and
/// needs no more assumptions; rather than a false-discovery-rate method because one false
/// NO-GO already blocks a release.
///
/// A NaN p-value (a scenario with no test) stays NaN and does not count in m, as in R's
/// `p.adjust`.
pub fn holm(pvalues: &[f64]) -> Vec<f64> {
    let mut order: Vec<(usize, f64)> = pvalues
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, p)| !p.is_nan())
        .collect();
    // Stable, so equal p-values keep their input order; their adjusted values are equal anyway.
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let m = order.len();
    let mut adjusted = vec![f64::NAN; pvalues.len()];
    let mut running = 0.0_f64;
    for (rank, (index, p)) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * p).min(1.0));
        if let Some(slot) = adjusted.get_mut(index) {
            *slot = running;
        }
    }
    adjusted
}

/// The paired comparison of one scenario's wall times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The number of pairs.
    pub n: usize,
    /// The median of the per-pair ratios candidate / baseline: above 1 is slower.
    pub median_ratio: f64,
    /// The bootstrap confidence interval of that median, at `LEVEL`.
    pub ci: (f64, f64),
    /// The two-sided Wilcoxon signed-rank p-value on the log ratios (before any correction
    /// across scenarios).
    pub p: f64,
}

/// Compares paired wall times (in ns, one pair per interleaved batch): per pair the ratio
/// candidate / baseline, their median with its bootstrap interval (`RESAMPLES` resamples at
/// `LEVEL`, seeded by `seed`), and the Wilcoxon signed-rank p-value on the log ratios.
///
/// Ratios, because a pair's two batches ran close together and share the machine's state of
/// the moment, which the ratio cancels and a difference of the two sides' medians would not.
/// The test uses log ratios because the signed-rank test assumes differences symmetric about
/// zero under no change, and a ratio is not (1/2 and 2 are equally far from 1 only on the log
/// scale). When every ratio is exactly 1 there is nothing to test, and `p` is 1: no evidence of
/// a change.
///
/// `None` when the two slices differ in length or are empty, or a time is not a finite
/// positive number.
pub fn paired_ratios(candidate: &[f64], baseline: &[f64], seed: u64) -> Option<Paired> {
    if candidate.len() != baseline.len() || candidate.is_empty() {
        return None;
    }
    let valid = |t: &f64| t.is_finite() && *t > 0.0;
    if !candidate.iter().chain(baseline).all(valid) {
        return None;
    }
    let ratios: Vec<f64> = candidate.iter().zip(baseline).map(|(c, b)| c / b).collect();
    // Two valid times can still give an infinite or zero ratio (1e300 / 1e-300).
    if !ratios.iter().all(valid) {
        return None;
    }
    let log_ratios: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
    Some(Paired {
        n: ratios.len(),
        median_ratio: median(&ratios)?,
        ci: bootstrap_median_ci(&ratios, RESAMPLES, LEVEL, seed)?,
        p: wilcoxon_signed_rank(&log_ratios).unwrap_or(1.0),
    })
}

/// What wall time alone says about one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallVerdict {
    /// The whole interval lies above the threshold and the adjusted p-value is significant.
    Regressed,
    /// The median (or the interval) lies above the threshold, but the evidence falls short of
    /// `Regressed`: reported, never blocking.
    Warn,
    /// No slowdown beyond the threshold.
    Fine,
}

/// The wall-time verdict on `paired`, with `adjusted_p` its p-value after the correction
/// across scenarios (`holm`), `relative` the threshold (0.05 for 5% slower) and `alpha` the
/// significance level.
///
/// `Regressed` only when the interval's lower end is above 1 + `relative` and `adjusted_p` is
/// below `alpha`: wall time moves by tens of percent between runs, so it may block a release
/// only when both the size and the reality of the slowdown are established. `Warn` when the
/// median is above the threshold without that; also when the interval's lower end is (a
/// percentile interval need not contain the sample median), so that an interval wholly beyond
/// the threshold is never called `Fine`. `Fine` otherwise, including for a NaN anywhere, since
/// no comparison with NaN holds: the caller validates thresholds before judging.
pub fn wall_verdict(paired: &Paired, adjusted_p: f64, relative: f64, alpha: f64) -> WallVerdict {
    let threshold = 1.0 + relative;
    let interval_above = paired.ci.0.partial_cmp(&threshold) == Some(Ordering::Greater);
    if interval_above && adjusted_p < alpha {
        WallVerdict::Regressed
    } else if interval_above || paired.median_ratio > threshold {
        WallVerdict::Warn
    } else {
        WallVerdict::Fine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `actual` is within `tolerance` of `expected`, relatively.
    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance * expected.abs()
    }

    #[track_caller]
    fn assert_close(actual: Option<f64>, expected: f64, tolerance: f64) {
        assert!(
            actual.is_some_and(|actual| close(actual, expected, tolerance)),
            "expected {expected} (±{tolerance} relative), got {actual:?}"
        );
    }

    /// `n` times near `level` ns, each off by up to `spread` either way, drawn from `rng`.
    fn noisy(rng: &mut fastrand::Rng, n: usize, level: f64, spread: f64) -> Vec<f64> {
        (0..n)
            .map(|_| level * (1.0 + spread * (2.0 * rng.f64() - 1.0)))
            .collect()
    }

    // --- median ---

    #[test]
    fn median_of_odd_and_even_counts_in_any_order() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        // One huge outlier does not move it.
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0, 1e12]), Some(3.0));
        // The midpoint of two huge values does not overflow.
        assert_eq!(median(&[f64::MAX, f64::MAX]), Some(f64::MAX));
    }

    #[test]
    fn median_refuses_empty_and_non_finite_samples() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN, 3.0]), None);
        assert_eq!(median(&[1.0, f64::INFINITY]), None);
    }

    // --- bootstrap ---

    #[test]
    fn bootstrap_is_deterministic_for_a_seed_and_contains_the_median() {
        let mut rng = fastrand::Rng::with_seed(7);
        let xs = noisy(&mut rng, 35, 100.0, 0.2);
        let first = bootstrap_median_ci(&xs, RESAMPLES, LEVEL, 42);
        assert_eq!(first, bootstrap_median_ci(&xs, RESAMPLES, LEVEL, 42));
        let (lo, hi) = first.expect("an interval");
        let m = median(&xs).expect("a median");
        assert!(lo < m && m < hi, "{lo} < {m} < {hi}");
        // The interval lies within the sample and is narrower than it.
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(min < lo && hi < max, "{min} < {lo}, {hi} < {max}");
        // The seed is used: with few resamples, some other seed gives another interval. (With
        // many, the ends settle on the same order statistics whatever the seed.)
        let few = bootstrap_median_ci(&xs, 20, LEVEL, 42);
        assert!(
            (43..53).any(|seed| bootstrap_median_ci(&xs, 20, LEVEL, seed) != few),
            "{few:?}"
        );
    }

    #[test]
    fn bootstrap_intervals_of_higher_levels_contain_lower_ones() {
        // With one seed the resampled medians are the same, so only the percentiles move.
        let xs = [9.0, 1.0, 5.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 10.0, 5.5];
        let (lo50, hi50) = bootstrap_median_ci(&xs, 2_000, 0.5, 1).expect("50%");
        let (lo99, hi99) = bootstrap_median_ci(&xs, 2_000, 0.99, 1).expect("99%");
        assert!(lo99 <= lo50 && lo50 <= hi50 && hi50 <= hi99);
        assert!(lo99 < lo50 || hi50 < hi99, "the 99% interval is wider");
    }

    #[test]
    fn bootstrap_of_a_constant_sample_is_that_constant() {
        assert_eq!(
            bootstrap_median_ci(&[4.0; 12], 100, 0.95, 0),
            Some((4.0, 4.0))
        );
        assert_eq!(bootstrap_median_ci(&[4.0], 100, 0.95, 0), Some((4.0, 4.0)));
    }

    #[test]
    fn bootstrap_refuses_bad_arguments() {
        assert_eq!(bootstrap_median_ci(&[], 100, 0.95, 0), None);
        assert_eq!(bootstrap_median_ci(&[1.0, f64::NAN], 100, 0.95, 0), None);
        assert_eq!(bootstrap_median_ci(&[1.0, 2.0], 0, 0.95, 0), None);
        for level in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert_eq!(bootstrap_median_ci(&[1.0, 2.0], 100, level, 0), None);
        }
    }

    // --- Wilcoxon signed-rank ---

    #[test]
    fn exact_wilcoxon_matches_counts_by_hand() {
        // n = 5, all positive: W+ = 15 is the largest sum, reached by 1 subset of 32; the
        // two-sided p-value is 2 * 1/32.
        assert_close(
            wilcoxon_signed_rank(&[1.0, 2.0, 3.0, 4.0, 5.0]),
            0.0625,
            1e-15,
        );
        assert_close(
            wilcoxon_signed_rank(&[-1.0, -2.0, -3.0, -4.0, -5.0]),
            0.0625,
            1e-15,
        );
        // Only ranks count, not sizes.
        assert_close(
            wilcoxon_signed_rank(&[0.1, 20.0, 3.0, 4e6, 0.5]),
            0.0625,
            1e-15,
        );
        // The depression scores of Hollander and Wolfe (1973, p. 29), the example of R's
        // `?wilcox.test`: x - y has W+ = 40 with n = 9, and W- = 5 is reached by 10 subsets of
        // 512 (sums 0, 1, 2, 3 twice, 4 twice, 5 three times), so p = 2 * 10/512 = 0.0390625
        // (R prints 0.01953 for the one-sided test; scipy's exact two-sided value agrees).
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
        #[allow(clippy::approx_constant)] // 3.14 is a score of the data set, not pi.
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
        let d: Vec<f64> = x.iter().zip(&y).map(|(x, y)| x - y).collect();
        assert_close(wilcoxon_signed_rank(&d), 0.0390625, 1e-12);
        // One difference: W+ = 1 of {0, 1}, each tail 1/2, p capped at 1.
        assert_close(wilcoxon_signed_rank(&[3.0]), 1.0, 1e-15);
    }

    #[test]
    fn wilcoxon_drops_zeros() {
        // With zeros ranked (Pratt's convention) the p-value would differ; dropped, the five
        // positive differences remain.
        assert_close(
            wilcoxon_signed_rank(&[0.0, 1.0, 0.0, 2.0, 3.0, -0.0, 4.0, 5.0]),
            0.0625,
            1e-15,
        );
    }

    #[test]
    fn wilcoxon_switches_from_exact_to_normal_after_25() {
        // Reference values: scipy 1.17.1, `scipy.stats.wilcoxon(d, method=..., correction=True,
        // zero_method="wilcox").pvalue`, d = [-(i+1) if i % 4 == 0 else i+1 for i in range(n)].
        let d = |n: usize| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let v = (i + 1) as f64;
                    if i % 4 == 0 {
                        -v
                    } else {
                        v
                    }
                })
                .collect()
        };
        // n = 25, method="exact": 0.055070459842681885 (method="approx" would give 0.05608).
        assert_close(wilcoxon_signed_rank(&d(25)), 0.055070459842681885, 1e-12);
        // n = 26, method="approx": 0.03288946090591726 (method="exact" would give 0.03122).
        assert_close(wilcoxon_signed_rank(&d(26)), 0.03288946090591726, 1e-9);
    }

    #[test]
    fn normal_wilcoxon_matches_scipy() {
        // Reference values: scipy 1.17.1, `scipy.stats.wilcoxon(d, method="approx",
        // correction=True, zero_method="wilcox").pvalue` (the same as R's `wilcox.test(d,
        // exact = FALSE, correct = TRUE)`).
        //
        // n = 30 without ties: every third difference negative.
        let d30: Vec<f64> = (0..30)
            .map(|i| {
                let v = f64::from(i + 1);
                if i % 3 == 0 {
                    -v
                } else {
                    v
                }
            })
            .collect();
        assert_close(wilcoxon_signed_rank(&d30), 0.07354309334531801, 1e-9);
        // n = 12 with ties (two 2s, three 4s), which forces the normal approximation. By hand:
        // W- = 4 + 9 = 13, W+ = 65, mean 39, variance 12*13*25/24 - (6 + 24)/48 = 161.875,
        // z = (26 - 0.5) / sqrt(161.875) = 2.00423.
        let tied = [1.0, 2.0, 2.0, -3.0, 4.0, 4.0, 4.0, 5.0, -6.0, 7.0, 8.0, 9.0];
        assert_close(wilcoxon_signed_rank(&tied), 0.045044078801708354, 1e-9);
        // Zeros and ties together: the zeros are dropped before ranking and before the tie
        // correction.
        let zeros = [
            0.0, 0.0, 1.5, -0.5, 2.5, -1.5, 3.0, 3.0, 3.0, 4.5, -2.0, 6.0,
        ];
        assert_close(wilcoxon_signed_rank(&zeros), 0.04614014707290848, 1e-9);
    }

    #[test]
    fn wilcoxon_has_nothing_to_test_without_non_zero_differences() {
        assert_eq!(wilcoxon_signed_rank(&[]), None);
        assert_eq!(wilcoxon_signed_rank(&[0.0, 0.0, -0.0]), None);
        assert_eq!(wilcoxon_signed_rank(&[1.0, f64::NAN]), None);
        assert_eq!(wilcoxon_signed_rank(&[1.0, f64::NEG_INFINITY]), None);
    }

    #[test]
    fn erfc_matches_the_c_library() {
        // Reference values: Python 3's `math.erfc`, which calls the C library's.
        let cases = [
            (0.0, 1.0),
            (0.5, 0.4795001221869535),
            (1.0, 0.15729920705028513),
            (2.0, 0.004677734981047266),
            (2.49, 0.000429287867733913),
            (2.5, 0.0004069520174449589),
            (3.0, 2.2090496998585438e-05),
            (5.0, 1.5374597944280351e-12),
            (10.0, 2.088487583762545e-45),
            (-1.0, 1.8427007929497148),
        ];
        for (x, expected) in cases {
            assert_close(Some(erfc(x)), expected, 1e-11);
        }
        assert!(erfc(f64::NAN).is_nan());
        assert_eq!(erfc(f64::INFINITY), 0.0);
    }

    // --- Holm ---

    #[test]
    fn holm_adjusts_in_input_order_monotone_and_capped() {
        // Sorted: 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 raised to 0.06.
        let adjusted = holm(&[0.01, 0.04, 0.03]);
        for (a, e) in adjusted.iter().zip([0.03, 0.06, 0.06]) {
            assert_close(Some(*a), e, 1e-12);
        }
        assert_eq!(holm(&[0.5, 0.6]), vec![1.0, 1.0]);
        assert_eq!(holm(&[0.02]), vec![0.02]);
        assert_eq!(holm(&[]), Vec::<f64>::new());
    }

    #[test]
    fn holm_keeps_nan_out_of_the_count() {
        // As R's p.adjust(c(0.01, NA, 0.04), "holm"): 0.02 NA 0.04.
        let adjusted = holm(&[0.01, f64::NAN, 0.04]);
        assert_eq!(adjusted.len(), 3);
        assert_close(adjusted.first().copied(), 0.02, 1e-12);
        assert!(adjusted.get(1).is_some_and(|p| p.is_nan()));
        assert_close(adjusted.get(2).copied(), 0.04, 1e-12);
    }

    // --- paired ratios and the verdict ---

    #[test]
    fn a_thirty_percent_slowdown_is_found() {
        let mut rng = fastrand::Rng::with_seed(2026);
        let baseline = noisy(&mut rng, 40, 1_000.0, 0.1);
        let candidate: Vec<f64> = baseline
            .iter()
            .map(|b| 1.3 * b * (1.0 + 0.1 * (2.0 * rng.f64() - 1.0)))
            .collect();
        let paired = paired_ratios(&candidate, &baseline, 1).expect("valid times");
        assert_eq!(paired.n, 40);
        assert!((1.25..1.35).contains(&paired.median_ratio), "{paired:?}");
        assert!(
            1.0 < paired.ci.0 && paired.ci.0 < paired.median_ratio,
            "{paired:?}"
        );
        assert!(paired.median_ratio < paired.ci.1, "{paired:?}");
        assert!(paired.p < 0.001, "{paired:?}");
        // Even after a correction over ten scenarios.
        let adjusted = paired.p * 10.0;
        assert_eq!(
            wall_verdict(&paired, adjusted, 0.05, 0.05),
            WallVerdict::Regressed
        );
        // Beyond the slowdown's size, the threshold is not exceeded.
        assert_eq!(
            wall_verdict(&paired, adjusted, 0.5, 0.05),
            WallVerdict::Fine
        );
        // A speed-up of the same size is no regression.
        let faster = paired_ratios(&baseline, &candidate, 1).expect("valid times");
        assert!(faster.median_ratio < 0.8 && faster.p < 0.001, "{faster:?}");
        assert_eq!(
            wall_verdict(&faster, faster.p, 0.05, 0.05),
            WallVerdict::Fine
        );
    }

    #[test]
    fn identical_samples_find_nothing() {
        let mut rng = fastrand::Rng::with_seed(3);
        let times = noisy(&mut rng, 30, 5_000.0, 0.3);
        let paired = paired_ratios(&times, &times, 9).expect("valid times");
        assert_eq!(
            paired,
            Paired {
                n: 30,
                median_ratio: 1.0,
                ci: (1.0, 1.0),
                p: 1.0
            }
        );
        assert_eq!(
            wall_verdict(&paired, paired.p, 0.0, 0.05),
            WallVerdict::Fine
        );
    }

    #[test]
    fn same_distribution_noise_is_not_a_regression() {
        // An A/A comparison in miniature: both sides drawn from one noisy distribution (±25%),
        // twenty times over. A 95% interval misses the true ratio 1 now and then, as it should,
        // but rarely; and a 5% threshold is never crossed by the whole interval.
        let mut rng = fastrand::Rng::with_seed(11);
        let mut missed = 0;
        for seed in 0..20 {
            let baseline = noisy(&mut rng, 30, 1_000.0, 0.25);
            let candidate = noisy(&mut rng, 30, 1_000.0, 0.25);
            let paired = paired_ratios(&candidate, &baseline, seed).expect("valid times");
            if !(paired.ci.0 <= 1.0 && 1.0 <= paired.ci.1) {
                missed += 1;
            }
            assert_ne!(
                wall_verdict(&paired, paired.p, 0.05, 0.05),
                WallVerdict::Regressed,
                "{seed}: {paired:?}"
            );
        }
        assert!(missed <= 3, "the interval missed 1 in {missed} of 20");
    }

    #[test]
    fn paired_ratios_refuses_bad_times() {
        assert_eq!(paired_ratios(&[1.0, 2.0], &[1.0], 0), None);
        assert_eq!(paired_ratios(&[], &[], 0), None);
        assert_eq!(paired_ratios(&[1.0, 0.0], &[1.0, 1.0], 0), None);
        assert_eq!(paired_ratios(&[1.0, 1.0], &[1.0, -2.0], 0), None);
        assert_eq!(paired_ratios(&[1.0, f64::NAN], &[1.0, 1.0], 0), None);
        assert_eq!(paired_ratios(&[1.0, f64::INFINITY], &[1.0, 1.0], 0), None);
        assert_eq!(paired_ratios(&[1e300], &[1e-300], 0), None);
    }

    #[test]
    fn wall_time_blocks_only_when_the_whole_interval_is_beyond_and_significant() {
        let paired = |median_ratio, ci| Paired {
            n: 30,
            median_ratio,
            ci,
            p: 0.001,
        };
        let above = paired(1.2, (1.1, 1.3));
        assert_eq!(
            wall_verdict(&above, 0.01, 0.05, 0.05),
            WallVerdict::Regressed
        );
        // Not significant after the correction: a warning only.
        assert_eq!(wall_verdict(&above, 0.2, 0.05, 0.05), WallVerdict::Warn);
        // The interval reaches below the threshold: a warning only.
        let straddles = paired(1.2, (1.02, 1.3));
        assert_eq!(
            wall_verdict(&straddles, 0.01, 0.05, 0.05),
            WallVerdict::Warn
        );
        // The lower end exactly at the threshold is not beyond it.
        let at = paired(1.2, (1.05, 1.3));
        assert_eq!(wall_verdict(&at, 0.01, 0.05, 0.05), WallVerdict::Warn);
        // The interval beyond while the median is not (possible for a percentile interval).
        let odd = paired(1.04, (1.06, 1.3));
        assert_eq!(wall_verdict(&odd, 0.2, 0.05, 0.05), WallVerdict::Warn);
        // The median within the threshold.
        let within = paired(1.03, (0.9, 1.2));
        assert_eq!(wall_verdict(&within, 0.01, 0.05, 0.05), WallVerdict::Fine);
    }
}
