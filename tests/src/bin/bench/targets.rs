//! The targets of issue 7 and whether a measured value meets one: the
//! closing table of `make bench`.

use serde_json::{json, Value};

/// What a measured value must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// At least this much (speeds, ratios).
    AtLeast(f64),
    /// Strictly less than this (costs: time, memory, overhead).
    Below(f64),
    /// At most this (host instructions per guest instruction).
    AtMost(f64),
}

/// One line of the targets table.
pub struct Target {
    /// The target as issue 7 states it.
    pub target: String,
    /// The measured value with its unit and what it was measured on.
    pub measured: String,
    /// `Ok(())` when met; `Err(why)` when missed (with by how much) or not measured (with the reason).
    pub verdict: Result<(), String>,
}

/// Judge `value` (in `unit`) against `goal`: met, or missed with the value,
/// the goal and the factor between them.
pub fn judge(value: f64, goal: Goal, unit: &str) -> Result<(), String> {
    match goal {
        Goal::AtLeast(g) if value >= g => Ok(()),
        Goal::AtLeast(g) => Err(format!("missed: {value:.3}{unit} < {g:.3}{unit}, {:.2}x short", g / value.max(1e-12))),
        Goal::Below(g) if value < g => Ok(()),
        Goal::Below(g) => Err(format!("missed: {value:.3}{unit} >= {g:.3}{unit}, {:.2}x over", value / g)),
        Goal::AtMost(g) if value <= g => Ok(()),
        Goal::AtMost(g) => Err(format!("missed: {value:.3}{unit} > {g:.3}{unit}, {:.2}x over", value / g)),
    }
}

/// The table, one target a line, with a final count of the targets met.
pub fn render(targets: &[Target]) -> String {
    let width = targets.iter().map(|t| t.target.len()).max().unwrap_or(0);
    let mut s = String::new();
    for t in targets {
        let verdict = match &t.verdict {
            Ok(()) => "met".to_string(),
            Err(why) => why.clone(),
        };
        s += &format!("{:<width$}  {}  -> {verdict}\n", t.target, t.measured);
    }
    let met = targets.iter().filter(|t| t.verdict.is_ok()).count();
    s += &format!("{met} of {} targets met\n", targets.len());
    s
}

/// The table as JSON rows.
pub fn to_json(targets: &[Target]) -> Value {
    Value::Array(
        targets
            .iter()
            .map(|t| {
                json!({"target": t.target, "measured": t.measured, "met": t.verdict.is_ok(),
                       "note": t.verdict.as_ref().err()})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least() {
        assert_eq!(judge(0.5, Goal::AtLeast(1.0 / 3.0), ""), Ok(()));
        assert_eq!(judge(1.0, Goal::AtLeast(1.0), "x"), Ok(()));
        assert_eq!(judge(0.25, Goal::AtLeast(1.0), "x"), Err("missed: 0.250x < 1.000x, 4.00x short".into()));
    }

    #[test]
    fn below() {
        assert_eq!(judge(4.0, Goal::Below(10.0), " ms"), Ok(()));
        assert_eq!(judge(10.0, Goal::Below(10.0), " ms"), Err("missed: 10.000 ms >= 10.000 ms, 1.00x over".into()));
        assert_eq!(judge(3.0, Goal::Below(2.0), " %"), Err("missed: 3.000 % >= 2.000 %, 1.50x over".into()));
    }

    #[test]
    fn table_counts_what_is_met() {
        let t = |name: &str, verdict| Target { target: name.into(), measured: "1".into(), verdict };
        let table = render(&[t("a", Ok(())), t("bb", Err("n/a: no swap".into()))]);
        assert_eq!(table, "a   1  -> met\nbb  1  -> n/a: no swap\n1 of 2 targets met\n");
    }
}
