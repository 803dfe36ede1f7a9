//! Running contenders interleaved, A B A B, so machine noise hits all of them alike.

use std::time::Instant;

use crate::report::{Section, Series};

/// Something that can perform the operation under test `calls` times and report how
/// long each took.
pub trait Contender {
    /// The name shown in the table.
    fn name(&self) -> &str;
    /// Performs the operation `calls` times; returns one duration per call, in
    /// nanoseconds.
    fn run(&mut self, calls: usize) -> anyhow::Result<Vec<f64>>;
}

/// A contender made of a name and a closure performing one operation; each call is
/// timed with [`Instant`] around the closure.
pub struct TimedFn<F> {
    name: String,
    op: F,
}

impl<F: FnMut() -> anyhow::Result<()>> TimedFn<F> {
    /// Times `op`, called once per operation.
    pub fn new(name: impl Into<String>, op: F) -> Self {
        TimedFn {
            name: name.into(),
            op,
        }
    }
}

impl<F: FnMut() -> anyhow::Result<()>> Contender for TimedFn<F> {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(&mut self, calls: usize) -> anyhow::Result<Vec<f64>> {
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            (self.op)()?;
            samples.push(start.elapsed().as_nanos() as f64);
        }
        Ok(samples)
    }
}

/// How many calls, in how many rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Calls per contender before measuring (discarded).
    pub warmup: usize,
    /// Rounds; each round runs every contender once, in order.
    pub rounds: usize,
    /// Calls per contender per round.
    pub calls_per_round: usize,
}

impl Plan {
    /// A one-line description for the table's footnote.
    pub fn describe(&self) -> String {
        format!(
            "Interleaved: {} rounds × {} calls per contender, contenders alternating A B A B \
             each round, after {} warm-up calls each; one sample per call.",
            self.rounds, self.calls_per_round, self.warmup
        )
    }
}

/// Runs `contenders` interleaved according to `plan` and adds one series per contender
/// to `section`. A contender that fails stops taking part; the failure is recorded
/// with its error (never as a skip), and the others carry on.
pub fn run_interleaved(
    section: &mut Section,
    contenders: &mut [Box<dyn Contender + '_>],
    plan: Plan,
) {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    let mut failed: Vec<Option<String>> = vec![None; contenders.len()];
    for (i, c) in contenders.iter_mut().enumerate() {
        if plan.warmup > 0 {
            if let Err(e) = c.run(plan.warmup) {
                failed[i] = Some(format!("{e:#}"));
            }
        }
    }
    for _ in 0..plan.rounds {
        for (i, c) in contenders.iter_mut().enumerate() {
            if failed[i].is_some() {
                continue;
            }
            match c.run(plan.calls_per_round) {
                Ok(s) => samples[i].extend(s),
                Err(e) => failed[i] = Some(format!("{e:#}")),
            }
        }
    }
    for ((c, s), f) in contenders.iter().zip(samples).zip(failed) {
        match f {
            Some(error) => section.fail(c.name(), format!("failed while running: {error}")),
            None => section.series.push(Series::nanos(c.name(), s)),
        }
    }
    section.method = plan.describe();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Recorder<'a> {
        name: &'static str,
        log: &'a RefCell<Vec<&'static str>>,
        fail_after: Option<usize>,
    }

    impl Contender for Recorder<'_> {
        fn name(&self) -> &str {
            self.name
        }
        fn run(&mut self, calls: usize) -> anyhow::Result<Vec<f64>> {
            self.log.borrow_mut().push(self.name);
            if let Some(n) = &mut self.fail_after {
                if *n == 0 {
                    anyhow::bail!("worker died");
                }
                *n -= 1;
            }
            Ok(vec![1.0; calls])
        }
    }

    #[test]
    fn contenders_alternate_and_a_failing_one_is_reported_as_failed() {
        let log = RefCell::new(Vec::new());
        let mut contenders: Vec<Box<dyn Contender>> = vec![
            Box::new(Recorder {
                name: "A",
                log: &log,
                fail_after: None,
            }),
            Box::new(Recorder {
                name: "B",
                log: &log,
                fail_after: Some(2),
            }),
        ];
        let mut section = Section::new("t", "T");
        let plan = Plan {
            warmup: 1,
            rounds: 3,
            calls_per_round: 5,
        };
        run_interleaved(&mut section, &mut contenders, plan);
        assert_eq!(*log.borrow(), ["A", "B", "A", "B", "A", "B", "A"]);
        assert_eq!(section.series.len(), 1);
        assert_eq!(section.series[0].samples.len(), 15);
        assert!(section.skipped.is_empty());
        assert_eq!(section.failed[0].contender, "B");
        assert!(section.failed[0].error.contains("worker died"));
    }
}
