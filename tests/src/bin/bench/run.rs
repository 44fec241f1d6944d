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

/// `reps` (at least 1) runs of `run`; the first error stops it.
pub fn measure(reps: usize, mut run: impl FnMut() -> Result<Run, String>) -> Result<Sample, String> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps.max(1) {
        let r = run()?;
        times.push(r.seconds);
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    Ok(Sample { median: median(&times), min: times[0], max: times[times.len() - 1], last: last.unwrap() })
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
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), 3.0);
    }
}
