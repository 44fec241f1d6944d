//! Running a machine as a child process and timing it: one run, and the
//! median of several.

use std::process::{Command, Stdio};
use std::time::Instant;

/// One finished run of a child process.
pub struct Run {
    /// Wall-clock seconds from spawn to exit.
    pub seconds: f64,
    /// Exit status (`None`: killed by a signal).
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` to its end (stdin empty) and time it. `Err` names the
/// command when it cannot start.
pub fn timed(cmd: &mut Command) -> Result<Run, String> {
    cmd.stdin(Stdio::null());
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Run {
        seconds,
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Run `cmd` and require exit status `want`; `Err` says what went wrong,
/// with the command's stderr.
pub fn timed_expect(cmd: &mut Command, want: i32) -> Result<Run, String> {
    let r = timed(cmd)?;
    if r.status != Some(want) {
        let status = r.status.map_or("a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("{cmd:?} ended with {status} (expected {want}):\n{}{}", r.stdout, r.stderr));
    }
    Ok(r)
}

/// Seconds of several runs of one thing: median, min and max, and the last
/// run (for its output).
pub struct Sample {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub last: Run,
}

/// One way of running a machine on a workload, for [`measure_rounds`].
pub type Runner<'a> = Box<dyn FnMut() -> Result<Run, String> + 'a>;

/// `reps` (at least 1) rounds of `runners`, each round running every one
/// once in turn, so that a change in the host's load between rounds hits
/// every machine alike; one sample per runner. A runner's first error ends
/// its runs and is its result.
pub fn measure_rounds(reps: usize, runners: &mut [Runner]) -> Vec<Result<Sample, String>> {
    let mut times: Vec<Result<Vec<f64>, String>> = runners.iter().map(|_| Ok(Vec::new())).collect();
    let mut last: Vec<Option<Run>> = runners.iter().map(|_| None).collect();
    for _ in 0..reps.max(1) {
        for (i, runner) in runners.iter_mut().enumerate() {
            if times[i].is_err() {
                continue;
            }
            match runner() {
                Ok(r) => {
                    if let Ok(t) = &mut times[i] {
                        t.push(r.seconds);
                    }
                    last[i] = Some(r);
                }
                Err(e) => times[i] = Err(e),
            }
        }
    }
    times
        .into_iter()
        .zip(last)
        .map(|(t, last)| {
            let mut t = t?;
            t.sort_by(f64::total_cmp);
            let last = last.expect("a run for every round");
            Ok(Sample { median: median(&t), min: t[0], max: t[t.len() - 1], last })
        })
        .collect()
}

/// `reps` (at least 1) runs of `run`; the first error stops it.
pub fn measure<'a>(reps: usize, run: impl FnMut() -> Result<Run, String> + 'a) -> Result<Sample, String> {
    measure_rounds(reps, &mut [Box::new(run)]).pop().expect("one sample per runner")
}

/// The median of sorted `times` (the mean of the middle two for an even count).
pub fn median(times: &[f64]) -> f64 {
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn run(seconds: f64) -> Run {
        Run { seconds, status: Some(0), stdout: String::new(), stderr: String::new() }
    }

    #[test]
    fn rounds_interleave_the_runners_and_keep_errors_apart() {
        let order = RefCell::new(Vec::new());
        let mut a_time = 0.0;
        let mut b_calls = 0;
        let mut runners: Vec<Runner> = vec![
            Box::new(|| {
                order.borrow_mut().push('a');
                a_time += 1.0;
                Ok(run(a_time))
            }),
            Box::new(|| {
                order.borrow_mut().push('b');
                b_calls += 1;
                if b_calls == 2 {
                    Err("b failed".into())
                } else {
                    Ok(run(9.0))
                }
            }),
        ];
        let samples = measure_rounds(3, &mut runners);
        drop(runners);
        assert_eq!(order.into_inner(), vec!['a', 'b', 'a', 'b', 'a']);
        let a = samples[0].as_ref().unwrap();
        assert_eq!((a.median, a.min, a.max, a.last.seconds), (2.0, 1.0, 3.0, 3.0));
        assert_eq!(samples[1].as_ref().err().map(String::as_str), Some("b failed"));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), 3.0);
    }
}
