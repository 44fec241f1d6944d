//! `svemu plot`: pictures of a run, from its JSON-lines trace
//! (`--trace kernel --trace-format json`), its counters (`--stats-json`
//! with `--stats-every`), or the summary lines of `paging-policy` runs.
//!
//! This module turns each input into [`Chart`]s (plain data: series of
//! points, titles, axis labels); [`render`] draws them with the `plotters`
//! crate, as SVG or PNG. The kinds:
//!
//! - [`memory`]: per process, resident pages (RSS) and page faults taken
//!   (cumulative, by resolution) against the hart's retired instructions:
//!   the `vmstat`/`ps` view of a demand-paging run. From the kernel's
//!   `fault` events (each carries the process's RSS after it), `rss`
//!   events (reclaim) and `proc-exit` (RSS 0).
//! - [`passes`]: page faults per pass over a working set (a thrashing
//!   run), by resolution (zero-fill, swap-in, ...), for one process.
//! - [`tlb`]: TLB hit rate per interval of `--stats-every` instructions,
//!   per hart, from `--stats-json`'s `samples`.
//! - [`policy`]: hit rate against the number of frames, one line per
//!   replacement policy, from `paging-policy` summary lines (Belady's
//!   anomaly shows as a FIFO line that goes down).

pub mod render;

use std::collections::BTreeMap;

use serde_json::Value;

/// A line of points (x, y), drawn in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// The points, in x order.
    pub points: Vec<(f64, f64)>,
    /// Draw as steps (a value holds until the next point), not straight lines.
    pub steps: bool,
}

/// One chart: axes with labels, and the series drawn on them.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The caption above the chart.
    pub title: String,
    /// The x axis label.
    pub x_label: String,
    /// The y axis label.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// What went wrong reading an input: one line for the user.
pub type Error = String;

/// The JSON objects of a JSON-lines trace (other lines are skipped: a
/// text trace gives an error naming the flag to use).
fn json_events(trace: &str) -> Result<Vec<Value>, Error> {
    let mut events = Vec::new();
    for (n, line) in trace.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => events.push(v),
            _ => return Err(format!("line {}: not a JSON object (write the trace with --trace-format json)", n + 1)),
        }
    }
    Ok(events)
}

fn num(v: &Value, key: &str) -> Option<u64> {
    v.get(key)?.as_u64()
}

fn hex(v: &Value, key: &str) -> Option<u64> {
    u64::from_str_radix(v.get(key)?.as_str()?.trim_start_matches("0x"), 16).ok()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A kernel event of the trace.
struct KernelEvent<'a> {
    icount: u64,
    event: &'a str,
    v: &'a Value,
}

fn kernel_events(events: &[Value]) -> impl Iterator<Item = KernelEvent<'_>> {
    events.iter().filter(|v| text(v, "cat") == "kernel").map(|v| KernelEvent {
        icount: num(v, "icount").unwrap_or(0),
        event: text(v, "event"),
        v,
    })
}

/// Process names by pid, as the kernel reported them (the ELF's base
/// name after an exec).
fn names(events: &[Value]) -> BTreeMap<u64, String> {
    let mut names = BTreeMap::new();
    for e in kernel_events(events) {
        let Some(pid) = num(e.v, "pid") else { continue };
        match e.event {
            "proc-create" => {
                names.insert(pid, text(e.v, "name").to_owned());
            }
            "proc-exec" => {
                let path = text(e.v, "path");
                names.insert(pid, path.rsplit('/').next().unwrap_or(path).to_owned());
            }
            _ => {}
        }
    }
    names
}

fn label(names: &BTreeMap<u64, String>, pid: u64) -> String {
    match names.get(&pid) {
        Some(n) if !n.is_empty() => format!("pid {pid} ({n})"),
        _ => format!("pid {pid}"),
    }
}

/// Which processes a picture shows: all, or those with this pid or name.
#[derive(Clone, Debug, Default)]
pub struct Select {
    /// Only this pid.
    pub pid: Option<u64>,
    /// Only processes of this name.
    pub name: Option<String>,
}

impl Select {
    fn wants(&self, names: &BTreeMap<u64, String>, pid: u64) -> bool {
        self.pid.is_none_or(|p| p == pid) && self.name.as_ref().is_none_or(|n| names.get(&pid) == Some(n))
    }
}

/// The memory view of a JSON-lines trace with the `kernel` category: a
/// chart of each process's RSS (pages, steps) and one of its cumulative
/// page faults by resolution, against its hart's retired instructions.
/// Error if the trace has no kernel `fault` event for the selection.
pub fn memory(trace: &str, select: &Select) -> Result<Vec<Chart>, Error> {
    let events = json_events(trace)?;
    let names = names(&events);
    let mut rss: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
    let mut faults: BTreeMap<(u64, String), Vec<(f64, f64)>> = BTreeMap::new();
    for e in kernel_events(&events) {
        let Some(pid) = num(e.v, "pid") else { continue };
        if !select.wants(&names, pid) {
            continue;
        }
        let x = e.icount as f64;
        match e.event {
            "fault" => {
                let f = faults.entry((pid, text(e.v, "how").to_owned())).or_default();
                let n = f.last().map_or(0.0, |p| p.1) + 1.0;
                f.push((x, n));
                if let Some(r) = num(e.v, "rss") {
                    rss.entry(pid).or_default().push((x, r as f64));
                }
            }
            "rss" => rss.entry(pid).or_default().extend(num(e.v, "rss").map(|r| (x, r as f64))),
            "proc-exit" => {
                if let Some(r) = rss.get_mut(&pid) {
                    r.push((x, 0.0));
                }
            }
            _ => {}
        }
    }
    if faults.is_empty() {
        return Err("no kernel page-fault events for the processes asked for (trace with --trace kernel)".into());
    }
    let x_label = "instructions retired by the hart (icount)".to_owned();
    Ok(vec![
        Chart {
            title: "Resident set size per process".into(),
            x_label: x_label.clone(),
            y_label: "RSS (4 KiB pages)".into(),
            series: rss
                .into_iter()
                .map(|(pid, points)| Series { name: label(&names, pid), points, steps: true })
                .collect(),
        },
        Chart {
            title: "Page faults per process, by resolution (cumulative)".into(),
            x_label,
            y_label: "page faults".into(),
            series: faults
                .into_iter()
                .map(|((pid, how), points)| Series {
                    name: format!("{} {how}", label(&names, pid)),
                    points,
                    steps: true,
                })
                .collect(),
        },
    ])
}

/// Page faults per pass over a working set, by resolution, for the
/// selected process (default: the one with the most faults). A pass ends
/// where the faulting address falls below the previous fault's (the sweep
/// starts again from the bottom); the faults before the first pass that
/// holds at least a tenth of the largest pass's (the ELF's and the
/// stack's first touches) are left out.
pub fn passes(trace: &str, select: &Select) -> Result<Vec<Chart>, Error> {
    let events = json_events(trace)?;
    let names = names(&events);
    let mut by_pid: BTreeMap<u64, Vec<(u64, String)>> = BTreeMap::new();
    for e in kernel_events(&events).filter(|e| e.event == "fault") {
        let (Some(pid), Some(va)) = (num(e.v, "pid"), hex(e.v, "va")) else { continue };
        if select.wants(&names, pid) {
            by_pid.entry(pid).or_default().push((va, text(e.v, "how").to_owned()));
        }
    }
    let Some((&pid, faults)) = by_pid.iter().max_by_key(|(pid, f)| (f.len(), std::cmp::Reverse(**pid))) else {
        return Err("no kernel page-fault events for the processes asked for (trace with --trace kernel)".into());
    };
    let mut sweeps: Vec<Vec<&str>> = vec![Vec::new()];
    let mut last = 0;
    for (va, how) in faults {
        if *va < last {
            sweeps.push(Vec::new());
        }
        last = *va;
        sweeps.last_mut().unwrap().push(how);
    }
    let largest = sweeps.iter().map(Vec::len).max().unwrap_or(0);
    let first = sweeps.iter().position(|s| s.len() * 10 >= largest).unwrap_or(0);
    let sweeps = &sweeps[first..];
    let mut hows: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for how in sweeps.iter().flatten() {
        hows.entry(how).or_default();
    }
    for (i, s) in sweeps.iter().enumerate() {
        for (how, points) in hows.iter_mut() {
            points.push(((i + 1) as f64, s.iter().filter(|h| *h == how).count() as f64));
        }
    }
    Ok(vec![Chart {
        title: format!("Page faults per pass, {}", label(&names, pid)),
        x_label: "pass over the working set".into(),
        y_label: "page faults".into(),
        series: hows.into_iter().map(|(how, points)| Series { name: how.to_owned(), points, steps: false }).collect(),
    }])
}

/// TLB hit rate per interval, per hart, from `--stats-json` output made
/// with `--stats-every N`: for each sample after the first, the hits and
/// lookups since the one before. Error if it has no `samples`.
pub fn tlb(stats_json: &str) -> Result<Vec<Chart>, Error> {
    let v: Value = serde_json::from_str(stats_json).map_err(|e| format!("not --stats-json output: {e}"))?;
    let samples = v
        .get("samples")
        .and_then(Value::as_array)
        .filter(|s| s.len() >= 2)
        .ok_or("no samples: run svemu with --stats-json FILE --stats-every N")?;
    let mut harts: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
    let mut prev: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for s in samples {
        let at = num(s, "instructions").unwrap_or(0) as f64;
        for h in s.get("harts").and_then(Value::as_array).into_iter().flatten() {
            let (Some(hart), Some(lookups), Some(hits)) = (num(h, "hart"), num(h, "tlb_lookups"), num(h, "tlb_hits"))
            else {
                continue;
            };
            if let Some((l0, h0)) = prev.insert(hart, (lookups, hits)) {
                if lookups > l0 {
                    let rate = 100.0 * (hits - h0) as f64 / (lookups - l0) as f64;
                    harts.entry(hart).or_default().push((at, rate));
                }
            }
        }
    }
    Ok(vec![Chart {
        title: "TLB hit rate per interval".into(),
        x_label: "instructions retired, all harts".into(),
        y_label: "hit rate (%)".into(),
        series: harts
            .into_iter()
            .map(|(h, points)| Series { name: format!("hart {h}"), points, steps: true })
            .collect(),
    }])
}

/// The keys of a `paging-policy` summary line, e.g. `policy=fifo frames=3
/// refs=12 hits=3 misses=9`: a line is a run when it has the policy, the
/// frames and the hits, and the misses or the references. Change these
/// (and [`policy`]'s arithmetic) if the program's format changes.
pub const POLICY_KEYS: PolicyKeys =
    PolicyKeys { policy: "policy", frames: "frames", hits: "hits", misses: "misses", refs: "refs" };

/// The key names [`policy`] reads (see [`POLICY_KEYS`]).
#[derive(Clone, Copy, Debug)]
pub struct PolicyKeys {
    /// The replacement policy's name.
    pub policy: &'static str,
    /// The number of frames.
    pub frames: &'static str,
    /// References that found their page resident.
    pub hits: &'static str,
    /// References that faulted.
    pub misses: &'static str,
    /// All references (hits + misses), used when misses are not given.
    pub refs: &'static str,
}

/// Hit rate (%) against frames, one series per policy, from the summary
/// lines of `paging-policy` runs (any other line is skipped; `key=value`
/// words in any order). Error if no line is one.
pub fn policy(lines: &str) -> Result<Vec<Chart>, Error> {
    let k = POLICY_KEYS;
    let mut by_policy: BTreeMap<String, BTreeMap<u64, f64>> = BTreeMap::new();
    for line in lines.lines() {
        let kv: BTreeMap<&str, &str> = line.split_whitespace().filter_map(|w| w.split_once('=')).collect();
        let int = |key: &str| kv.get(key).and_then(|v| v.parse::<u64>().ok());
        let (Some(name), Some(frames), Some(hits)) = (kv.get(k.policy), int(k.frames), int(k.hits)) else {
            continue;
        };
        let Some(refs) = int(k.misses).map(|m| hits + m).or(int(k.refs)) else { continue };
        if refs > 0 {
            by_policy.entry((*name).to_owned()).or_default().insert(frames, 100.0 * hits as f64 / refs as f64);
        }
    }
    if by_policy.is_empty() {
        return Err(format!(
            "no paging-policy summary lines (`{}=NAME {}=N {}=N {}=N`)",
            k.policy, k.frames, k.hits, k.misses
        ));
    }
    Ok(vec![Chart {
        title: "Hit rate against frames, per replacement policy".into(),
        x_label: "frames".into(),
        y_label: "hit rate (%)".into(),
        series: by_policy
            .into_iter()
            .map(|(name, points)| Series {
                name,
                points: points.into_iter().map(|(f, r)| (f as f64, r)).collect(),
                steps: false,
            })
            .collect(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = r#"{"hart":0,"priv":"S","icount":10,"asid":0,"cat":"kernel","event":"proc-create","pid":1,"ppid":0,"name":"thrash"}
{"hart":0,"priv":"S","icount":20,"asid":1,"cat":"kernel","event":"fault","va":"0x0000003fffffff00","cause":15,"how":"zero-fill","pid":1,"rss":1}
{"hart":0,"priv":"S","icount":30,"asid":1,"cat":"kernel","event":"fault","va":"0x0000000000001000","cause":15,"how":"zero-fill","pid":1,"rss":2}
{"hart":0,"priv":"S","icount":40,"asid":1,"cat":"kernel","event":"fault","va":"0x0000000000002000","cause":15,"how":"zero-fill","pid":1,"rss":3}
{"hart":0,"priv":"S","icount":45,"asid":1,"cat":"kernel","event":"rss","pid":1,"rss":1}
{"hart":0,"priv":"S","icount":50,"asid":1,"cat":"kernel","event":"fault","va":"0x0000000000001000","cause":13,"how":"swap-in","pid":1,"rss":2}
{"hart":0,"priv":"S","icount":60,"asid":1,"cat":"kernel","event":"fault","va":"0x0000000000002000","cause":13,"how":"swap-in","pid":1,"rss":3}
{"hart":0,"priv":"S","icount":70,"asid":0,"cat":"kernel","event":"proc-exit","pid":1,"status":0}"#;

    #[test]
    fn memory_has_one_rss_point_per_fault_and_reclaim_and_the_exit() {
        let c = memory(TRACE, &Select::default()).unwrap();
        assert_eq!(c[0].series.len(), 1);
        assert_eq!(c[0].series[0].name, "pid 1 (thrash)");
        let rss: Vec<f64> = c[0].series[0].points.iter().map(|p| p.1).collect();
        assert_eq!(rss, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 0.0]);
        let names: Vec<&str> = c[1].series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pid 1 (thrash) swap-in", "pid 1 (thrash) zero-fill"]);
        assert_eq!(c[1].series[1].points.last(), Some(&(40.0, 3.0)));
        assert!(memory(TRACE, &Select { pid: Some(2), name: None }).is_err());
    }

    #[test]
    fn passes_split_where_the_address_falls_back() {
        let c = passes(TRACE, &Select { pid: None, name: Some("thrash".into()) }).unwrap();
        // The stack fault is a pass of its own: a tenth of the largest
        // (2) is 0.2, so it stays; passes are [stack], [1, 2], [1, 2].
        let s: Vec<(&str, Vec<f64>)> =
            c[0].series.iter().map(|s| (s.name.as_str(), s.points.iter().map(|p| p.1).collect())).collect();
        assert_eq!(s, [("swap-in", vec![0.0, 0.0, 2.0]), ("zero-fill", vec![1.0, 2.0, 0.0])]);
    }

    #[test]
    fn policy_reads_summary_lines_and_skips_others() {
        let text = "paging-policy: reference string of 12\n\
                    policy=fifo frames=3 refs=12 hits=3 misses=9\n\
                    policy=fifo frames=4 refs=12 hits=2 misses=10\n\
                    policy=lru frames=3 refs=12 hits=2 misses=10\n";
        let c = policy(text).unwrap();
        assert_eq!(c[0].series[0].name, "fifo");
        assert_eq!(c[0].series[0].points, [(3.0, 25.0), (4.0, 100.0 * 2.0 / 12.0)]);
        assert_eq!(c[0].series[1].points, [(3.0, 100.0 * 2.0 / 12.0)]);
        assert!(policy("nothing here").is_err());
    }

    #[test]
    fn tlb_rate_is_per_interval() {
        let json = r#"{"samples":[
            {"instructions":0,"harts":[{"hart":0,"tlb_lookups":0,"tlb_hits":0}]},
            {"instructions":100,"harts":[{"hart":0,"tlb_lookups":10,"tlb_hits":5}]},
            {"instructions":200,"harts":[{"hart":0,"tlb_lookups":30,"tlb_hits":25}]}]}"#;
        let c = tlb(json).unwrap();
        assert_eq!(c[0].series[0].points, [(100.0, 50.0), (200.0, 100.0)]);
        assert!(tlb("{}").is_err());
    }

    #[test]
    fn a_text_trace_is_refused_with_the_flag_to_use() {
        let e = memory("core   0: kernel @1 S asid 0: proc-exit pid 1 status 0", &Select::default()).unwrap_err();
        assert!(e.contains("--trace-format json"), "{e}");
    }
}
