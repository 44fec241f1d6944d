//! `svemu plot` on real runs of svos: the pictures parse as SVG, carry
//! their titles, axis labels and legends, and draw one point per sample
//! (a dot per TLB interval; a step per RSS report of memory-user).

use std::path::{Path, PathBuf};
use std::process::Command;

use svemu_tests::svos_image;

fn svemu() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/svemu");
    assert!(p.exists(), "{} is missing: `make all` builds it", p.display());
    p
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svemu-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Boots svos's memory-user 1 with `extra` options; checks it powered off.
fn memory_user(extra: &[&str]) {
    let img = svos_image();
    let out = Command::new("timeout")
        .arg("300")
        .arg(svemu())
        .args(["run", "-m", &img.memory, "--kernel"])
        .arg(&img.kernel)
        .arg("--initrd")
        .arg(&img.initrd)
        .args(["--append", "init=memory-user:1 quiet"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `svemu plot KIND INPUT -o OUT.svg`: the SVG text.
fn plot(kind: &str, input: &Path, out: &str) -> String {
    let svg = tmp(out);
    let r = Command::new(svemu()).args(["plot", kind]).arg(input).arg("-o").arg(&svg).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    std::fs::read_to_string(svg).unwrap()
}

/// The texts, the point counts of the polylines and the number of
/// circles of an SVG document (which must parse).
fn parse(svg: &str) -> (Vec<String>, Vec<usize>, usize) {
    let doc = roxmltree::Document::parse(svg).expect("the picture is well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts =
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(|t| t.trim().to_owned());
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| n.attribute("points").unwrap_or("").split_whitespace().count());
    let circles = doc.descendants().filter(|n| n.has_tag_name("circle")).count();
    (texts.collect(), lines.collect(), circles)
}

#[test]
fn tlb_hit_rate_has_one_dot_per_interval() {
    let stats = tmp("stats.json");
    memory_user(&["--stats-json", stats.to_str().unwrap(), "--stats-every", "500000"]);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let samples = json["samples"].as_array().expect("samples");
    assert!((10..100).contains(&samples.len()), "{} samples", samples.len());
    // Intervals in which the TLB was looked up at all (not while svos
    // runs in M-mode or with satp Bare, early in the boot).
    let lookups: Vec<u64> = samples.iter().map(|s| s["harts"][0]["tlb_lookups"].as_u64().unwrap()).collect();
    let intervals = lookups.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(intervals + 3 >= samples.len(), "{lookups:?}");
    let (texts, lines, circles) = parse(&plot("tlb", &stats, "tlb.svg"));
    for t in ["TLB hit rate per interval", "hit rate (%)", "instructions retired, all harts", "hart 0"] {
        assert!(texts.iter().any(|x| x == t), "no text {t:?} in {texts:?}");
    }
    // One dot per interval.
    assert_eq!(circles, intervals);
    // The hit-rate line steps through them: 2 per interval but the first.
    assert!(lines.contains(&(2 * intervals - 1)), "{lines:?}");
}

#[test]
fn memory_view_steps_through_every_rss_report() {
    let trace = tmp("trace.jsonl");
    memory_user(&["--trace", "kernel", "--trace-format", "json", "--trace-file", trace.to_str().unwrap()]);
    let text = std::fs::read_to_string(&trace).unwrap();
    let events: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let of_pid1 = |e: &&serde_json::Value| e["pid"] == 1;
    let faults = events.iter().filter(|e| e["event"] == "fault").filter(of_pid1).count();
    let exits = events.iter().filter(|e| e["event"] == "proc-exit").filter(of_pid1).count();
    assert!(faults >= 256, "{faults} faults of memory-user 1 (256 pages)");
    let (texts, lines, _) = parse(&plot("memory", &trace, "memory.svg"));
    for t in [
        "Resident set size per process",
        "RSS (4 KiB pages)",
        "page faults",
        "instructions retired by the hart (icount)",
        "pid 1 (memory-user)",
        "pid 1 (memory-user) zero-fill",
    ] {
        assert!(texts.iter().any(|x| x == t), "no text {t:?} in {texts:?}");
    }
    // RSS: a step to each fault's report and to 0 at the exit.
    let points = faults + exits;
    assert!(lines.contains(&(2 * points - 1)), "no line of {} points: {lines:?}", 2 * points - 1);
}
