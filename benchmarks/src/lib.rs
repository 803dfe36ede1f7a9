//! The comparison benchmark harness: Conductor measured side by side with what users
//! would pick instead, on the same `.wasm`, the same params and the same machine, with
//! the contenders interleaved (A B A B) so machine noise hits all of them.
//!
//! Run everything with `scripts/bench.sh` (it builds what is needed and sets up the
//! Python virtualenv); `scripts/bench.sh --smoke` runs every comparison with tiny
//! counts. The results and what they mean are in `BENCHMARKS.md`.
//!
//! * [`compare`]: one module per comparison.
//! * [`interleave`]: the A B A B runner and the [`Contender`](interleave::Contender)
//!   trait; [`worker`]: contenders in other processes (C, Python).
//! * [`report`] and [`stats`]: tables with median, p99, spread and ratios; raw results.

pub mod compare;
pub mod harness;
pub mod interleave;
pub mod report;
pub mod stats;
pub mod sustained;
pub mod wasmtime_direct;
pub mod worker;
pub mod workload;
