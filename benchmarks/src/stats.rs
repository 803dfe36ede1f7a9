//! Summaries of timing samples: median, p99 and the spread.

use serde::{Deserialize, Serialize};

/// What a set of samples looks like. Times are in nanoseconds unless the series says
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// How many samples.
    pub n: usize,
    /// The 50th percentile.
    pub median: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The spread: the interquartile range (75th minus 25th percentile).
    pub spread: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// The arithmetic mean.
    pub mean: f64,
}

impl Summary {
    /// Summarises `samples` (in any order). `None` when there are none.
    ///
    /// ```
    /// let s = conductor_benchmarks::stats::Summary::of(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
    /// assert_eq!(s.median, 3.0);
    /// assert_eq!((s.min, s.max), (1.0, 5.0));
    /// ```
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| percentile(&sorted, p);
        Some(Summary {
            n: sorted.len(),
            median: q(50.0),
            p99: q(99.0),
            spread: q(75.0) - q(25.0),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        })
    }
}

/// The `p`th percentile (0..=100) of `sorted`, interpolating linearly between the two
/// nearest ranks.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = rank.floor() as usize;
            let hi = rank.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
        }
    }
}

/// Formats a duration given in nanoseconds with a unit that keeps 3-4 significant
/// digits: `35.2 ns`, `1.84 µs`, `52.1 ms`.
pub fn format_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let sorted: Vec<f64> = (1..=101).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 51.0);
        assert_eq!(percentile(&sorted, 99.0), 100.0);
        assert_eq!(percentile(&[1.0, 2.0], 50.0), 1.5);
    }

    #[test]
    fn summary_reports_spread_as_interquartile_range() {
        let samples: Vec<f64> = (0..=100).map(f64::from).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.spread, 50.0);
        assert_eq!(s.n, 101);
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn durations_get_readable_units() {
        assert_eq!(format_ns(35.2), "35.2 ns");
        assert_eq!(format_ns(1840.0), "1.84 µs");
        assert_eq!(format_ns(52_100_000.0), "52.1 ms");
        assert_eq!(format_ns(f64::NAN), "-");
    }
}
