//! The machine: harts, their MMUs and the bus, and the run loop that steps
//! them, delivers interrupts, keeps time and stops when the guest powers off.
//!
//! Harts run one after another, [`QUANTUM`] instructions at a time, so a run
//! is deterministic. Time (mtime) advances with the rounds run (see
//! [`QUANTUM`] and [`crate::devices::clint`]); when every hart waits in WFI,
//! time jumps to the next timer deadline instead of spinning. Devices raise
//! interrupts through the PLIC ([`crate::bus::Bus::update_interrupts`]),
//! re-evaluated after every device access and at the start of every turn.

use crate::bus::Bus;
use crate::cpu::{Cpu, DataMemo, MemAccess};
use crate::debug::{Debug, Stop};
use crate::devices::console::ConsoleEnd;
use crate::devices::sifive_test::PowerRequest;
use crate::hart::csr::CsrEnv;
use crate::hart::trap::{irq, Exception, Trap};
use crate::hart::{Hart, Priv};
use crate::isa::code_pages::{CodePages, Cursor, Leave, Slot};
use crate::isa::exec::{execute, Outcome};
use crate::isa::{DecodeCache, Insn, Op, RegFile};
use crate::mmu::Mmu;
use crate::stats::PrivClock;
use crate::trace::csr as csr_trace;
use crate::trace::{Category, RegWrite, Stamp, Tracer};
use std::sync::atomic::{AtomicI32, Ordering};

/// Instructions a hart runs before the next hart gets its turn: the length
/// of a round, in cycles.
///
/// The harts take turns in hart-id order. A round is [`QUANTUM`] cycles of
/// machine time: every hart's turn starts at the round's first cycle and runs
/// one instruction per cycle (mtime, read by any hart, is the cycle count of
/// its own position in the round; see [`crate::devices::clint`]), so time
/// advances at the same rate whatever the number of harts, as if they ran in
/// parallel. A hart in WFI idles for the rest of its turn, or until its own
/// timer fires within it. When every hart idled through a whole round, time
/// jumps to the earliest timer deadline.
pub const QUANTUM: u64 = 1000;

/// Why the machine stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The guest powered off through the test device, with this exit status
    /// (0 for success).
    PowerOff(u16),
    /// The guest asked for a reset, which svemu does not perform.
    Reset,
    /// A condition on the console ended the run (Ctrl-A x, a closed or
    /// failing standard output, `--end-on-output`, a console-script timeout).
    Console(ConsoleEnd),
    /// The host signal with this number (SIGINT, SIGTERM) asked svemu to stop.
    Signal(i32),
    /// The instruction limit was reached.
    InstructionLimit(u64),
    /// Every hart waits for an interrupt and nothing can raise one.
    Idle {
        /// pc of hart 0.
        pc: u64,
    },
    /// A hart traps while entering its own trap handler: the handler address
    /// cannot be fetched, so the guest can make no progress.
    TrapLoop {
        /// The hart.
        hart: u64,
        /// The trap handler address.
        pc: u64,
        /// The exception raised there.
        cause: Exception,
        /// The trap that sent the hart to the handler, as the handler's mode
        /// recorded it: xepc (the pc it came from), xcause and xtval.
        first: (u64, u64, u64),
    },
    /// A debugger's condition held (see [`crate::debug`]): the machine
    /// stopped before the next instruction and [`Machine::run`] resumes
    /// exactly there.
    Debug(Stop),
    /// The trace could not be written (a full disk, a closed pipe): the run
    /// stops at the end of the round in which the write failed.
    TraceWriteError {
        /// What went wrong (`BrokenPipe` for a closed pipe).
        kind: std::io::ErrorKind,
        /// The host's description of the error.
        message: String,
    },
}

/// Counters of a run.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Instructions retired, all harts.
    pub instructions: u64,
    /// Traps taken (exceptions and interrupts), all harts.
    pub traps: u64,
}

/// A board: harts with their MMUs, the bus, and the trace sink.
pub struct Machine {
    /// The harts, indexed by hart id.
    pub harts: Vec<Hart>,
    /// One MMU per hart (same index).
    pub mmus: Vec<Mmu>,
    /// Memory and devices.
    pub bus: Bus,
    /// Where trace events go.
    pub tracer: Tracer,
    /// Stop after this many instructions (all harts), if set.
    pub max_instructions: Option<u64>,
    /// Stop at the next round when this holds a signal number (set by the
    /// host's signal handler; 0: none). Checked once per round.
    pub stop_signal: Option<&'static AtomicI32>,
    /// Counters.
    pub stats: RunStats,
    /// Per hart: the trap-handler address just jumped to, until an
    /// instruction retires there (detects trap loops).
    entered_handler: Vec<Option<u64>>,
    /// Unimplemented instructions reported so far (the log is rate-limited).
    unimplemented_reports: u32,
    /// `--explain`: the virtual address to explain, where and when, and
    /// the explanation once made.
    pub explain: Option<Explain>,
    /// Decoded instructions by raw bits (shared by the harts: decoding does
    /// not depend on the hart).
    decoded: DecodeCache,
    /// Run instructions in bursts between the turn's checks (true unless a
    /// test asks for the one-instruction-at-a-time reference).
    pub bursts: bool,
    /// Fetch through the decoded-page cache inside bursts (true unless a
    /// test asks for the reference; unused while `traced` or while the
    /// hart's MMU records events).
    pub decoded_pages: bool,
    /// Decoded instructions per physical page.
    code: CodePages,
    /// A trace category is on: bursts then run the general path, which
    /// writes every trace event where it always did.
    traced: bool,
    /// A debugger's breakpoints, watchpoints and stepping (see
    /// [`crate::debug`]). While set, every instruction runs alone through
    /// the general step, with the checks before and after it.
    pub debug: Option<Box<Debug>>,
    /// The data access of the last instruction, kept only while `debug`
    /// is set (for watchpoints).
    last_access: Option<MemAccess>,
    /// Where the run stopped inside a round, for [`Machine::run`] to resume
    /// there (None: at a round's start).
    round: Option<Round>,
    /// Per hart: instructions by privilege and traps by cause.
    priv_clocks: Vec<PrivClock>,
    /// `--profile`: samples of each hart's pc (see [`crate::profile`]).
    pub profiler: Option<Box<crate::profile::Profiler>>,
}

/// The run loop's own state besides the harts, MMUs and bus: what a
/// checkpoint needs to resume a run exactly ([`crate::snapshot`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunState {
    /// Counters.
    pub stats: RunStats,
    /// Per hart: the trap handler just entered, if no instruction retired there yet.
    pub entered_handler: Vec<Option<u64>>,
    /// Unimplemented-instruction reports made.
    pub unimplemented_reports: u32,
    /// The round stopped in.
    pub round: Option<Round>,
}

/// A round the run stopped in the middle of (an [`Exit`] returned by
/// [`Machine::run`]): resuming it runs the rest of hart `hart`'s turn and
/// the turns after it, as an uninterrupted run would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Round {
    /// The round's first cycle.
    pub base: u64,
    /// The cycle after its last.
    pub end: u64,
    /// The hart whose turn stopped.
    pub hart: usize,
    /// Some hart retired an instruction in this round so far.
    pub ran: bool,
}

pub use crate::trace::explain::Explain;

/// What the instruction just stepped asks of the burst running it.
enum Step {
    /// Nothing: the next instruction may follow without the turn's checks.
    Next,
    /// The turn must look at the hart again (trap, WFI, CSR, xRET, fences).
    Leave,
    /// The machine must stop.
    Stop(Exit),
}

/// How a hart's turn ended.
enum Turn {
    /// Used its quantum, or stopped early for the machine to look around.
    Ran,
    /// Waiting for an interrupt.
    Waiting,
    /// The machine must stop (and whether the hart retired an instruction
    /// in this turn before that).
    Stop(Exit, bool),
}

impl Machine {
    /// A machine with `harts` (each paired with an MMU) on `bus`.
    pub fn new(harts: Vec<Hart>, mmus: Vec<Mmu>, bus: Bus, tracer: Tracer) -> Machine {
        let n = harts.len();
        assert_eq!(n, mmus.len(), "one MMU per hart");
        let mut mmus = mmus;
        let record = [Category::Mmu, Category::Tlb, Category::TlbHit, Category::Pte].iter().any(|&c| tracer.on(c));
        // Only `insn` needs the general path: the short path raises every
        // trap, xRET, CSR write and device access through the general code,
        // and the MMU's recording turns the short path off by itself.
        let traced = tracer.on(Category::Insn);
        for m in &mut mmus {
            m.record = record;
            m.record_hits = tracer.on(Category::TlbHit);
        }
        Machine {
            harts,
            mmus,
            bus,
            tracer,
            max_instructions: None,
            stop_signal: None,
            stats: RunStats::default(),
            entered_handler: vec![None; n],
            unimplemented_reports: 0,
            explain: None,
            decoded: DecodeCache::new(),
            bursts: true,
            decoded_pages: true,
            code: CodePages::new(),
            traced,
            debug: None,
            last_access: None,
            round: None,
            priv_clocks: vec![PrivClock::default(); n],
            profiler: None,
        }
    }

    /// The run loop's state (for checkpoints).
    pub fn run_state(&self) -> RunState {
        RunState {
            stats: self.stats,
            entered_handler: self.entered_handler.clone(),
            unimplemented_reports: self.unimplemented_reports,
            round: self.round,
        }
    }

    /// Resume from run state `s` (of a machine with as many harts).
    pub fn set_run_state(&mut self, s: RunState) {
        self.stats = s.stats;
        self.entered_handler = s.entered_handler;
        self.unimplemented_reports = s.unimplemented_reports;
        self.round = s.round;
    }

    /// Per hart: instructions by privilege and traps by cause (see
    /// [`crate::stats`]).
    pub fn priv_clocks(&self) -> &[PrivClock] {
        &self.priv_clocks
    }

    /// Run until the guest powers off or another [`Exit`] condition holds.
    /// Called again after an exit, it resumes where the run stopped, in the
    /// middle of a hart's turn if need be, so a run stopped and resumed
    /// any number of times (by `--max-insns`-style limits or a debugger)
    /// executes exactly as the uninterrupted run.
    pub fn run(&mut self) -> Exit {
        let exit = 'run: loop {
            if let Some(exit) = self.end_condition() {
                break exit;
            }
            let (base, end, first, mut ran, resumed) = match self.round.take() {
                Some(r) => (r.base, r.end, r.hart, r.ran, true),
                None => {
                    let base = self.bus.clint.cycles();
                    (base, base + QUANTUM, 0, false, false)
                }
            };
            for i in first..self.harts.len() {
                // A resumed turn goes on from the cycle it stopped at.
                if !(resumed && i == first) {
                    self.bus.clint.set_cycles(base);
                }
                match self.turn(i, end) {
                    Turn::Ran => ran = true,
                    Turn::Waiting => {}
                    Turn::Stop(e, turn_ran) => {
                        self.round = Some(Round { base, end, hart: i, ran: ran || turn_ran });
                        break 'run e;
                    }
                }
            }
            self.bus.clint.set_cycles(end);
            if let Some(e) = self.tracer.error() {
                break Exit::TraceWriteError { kind: e.kind(), message: e.to_string() };
            }
            if ran {
                continue;
            }
            // Every hart waited through the whole round: the guest waits,
            // so scripted console input may come in; otherwise jump time to
            // the earliest timer deadline or device event that wakes a hart.
            if self.bus.uart.machine_idle(end) {
                self.bus.lines_dirty = true;
                continue;
            }
            let device = self.bus.next_device_event().unwrap_or(u64::MAX);
            let next = (0..self.harts.len()).map(|h| self.wake_deadline(h)).min().unwrap_or(u64::MAX).min(device);
            if next != u64::MAX {
                if next > end {
                    self.bus.clint.set_cycles(next);
                    for h in &mut self.harts {
                        h.cycle += next - end;
                    }
                }
            } else if self.bus.uart.input_may_arrive() {
                // Only console input can wake a hart: wait for it on the host.
                std::thread::sleep(std::time::Duration::from_millis(5));
            } else {
                break Exit::Idle { pc: self.harts[0].pc };
            }
        };
        self.bus.uart.flush();
        self.bus.sync_disks();
        self.tracer.flush();
        match (exit, self.tracer.error()) {
            // The last lines of the trace can fail too.
            (Exit::PowerOff(_) | Exit::Reset | Exit::InstructionLimit(_) | Exit::Idle { .. }, Some(e)) => {
                Exit::TraceWriteError { kind: e.kind(), message: e.to_string() }
            }
            (exit, _) => exit,
        }
    }

    /// The condition that ends the run before the next round, if any: a
    /// host signal, or one on the console.
    fn end_condition(&mut self) -> Option<Exit> {
        if let Some(sig) = self.stop_signal.map(|s| s.load(Ordering::Relaxed)).filter(|&s| s != 0) {
            return Some(Exit::Signal(sig));
        }
        self.bus.uart.take_console_end(self.stats.instructions).map(Exit::Console)
    }

    /// The cycle count at which hart `i`'s timers wake it from WFI: its
    /// mtimecmp deadline when mie.MTIE is set, and its stimecmp deadline
    /// when Sstc is enabled and mie.STIE is set; `u64::MAX` for never.
    fn wake_deadline(&self, i: usize) -> u64 {
        let csr = &self.harts[i].csr;
        let m = if csr.mie >> irq::MTI & 1 != 0 { self.bus.clint.timer_deadline(i) } else { u64::MAX };
        let s = if csr.sstc_enabled() && csr.mie >> irq::STI & 1 != 0 {
            csr.stimecmp.saturating_mul(crate::devices::clint::CYCLES_PER_TICK)
        } else {
            u64::MAX
        };
        m.min(s)
    }

    /// Refresh hart `i`'s interrupt lines (mip.MSIP, MTIP, SEIP, MEIP) from
    /// the devices, through the PLIC, and mip.STIP from Sstc's stimecmp.
    fn update_lines(&mut self, i: usize) {
        self.bus.update_interrupts();
        let stip = self.harts[i].csr.stimecmp_pending(self.bus.clint.mtime());
        self.harts[i].csr.mip_hw = self.bus.hart_lines(i) | ((stip as u64) << irq::STI);
    }

    /// The cycle count at which hart `i`'s next timer line (mtimecmp, or
    /// stimecmp when Sstc is enabled) rises, among those not risen yet;
    /// u64::MAX for none.
    fn timer_deadline(&self, i: usize) -> u64 {
        let now = self.bus.clint.cycles();
        let future = |d: u64| if d > now { d } else { u64::MAX };
        let m = future(self.bus.clint.timer_deadline(i));
        let csr = &self.harts[i].csr;
        if csr.sstc_enabled() {
            m.min(future(csr.stimecmp.saturating_mul(crate::devices::clint::CYCLES_PER_TICK)))
        } else {
            m
        }
    }

    /// Run hart `i` from the current cycle up to cycle `end` (one instruction
    /// per cycle; a hart in WFI idles, waking inside the turn when one of its
    /// own timers fires before `end`). [`Turn::Ran`] when it retired an
    /// instruction.
    fn turn(&mut self, i: usize, end: u64) -> Turn {
        self.update_lines(i);
        let mut deadline = self.timer_deadline(i);
        let mut ran = false;
        loop {
            let now = self.bus.clint.cycles();
            if now >= end {
                break;
            }
            if self.bus.lines_dirty || now >= deadline {
                self.update_lines(i);
                deadline = self.timer_deadline(i);
            }
            let hart = &mut self.harts[i];
            if hart.wfi {
                if hart.csr.mip() & hart.csr.mie == 0 {
                    let wake = self.wake_deadline(i);
                    let idle_until = if wake > now && wake < end { wake } else { end };
                    self.harts[i].cycle += idle_until - now;
                    self.bus.clint.set_cycles(idle_until);
                    continue;
                }
                hart.wfi = false;
            }
            if hart.csr.mip() & hart.csr.mie != 0 {
                if let Some(code) = hart.pending_interrupt() {
                    self.trap(i, Trap::Interrupt(code));
                }
            }
            if let Some(d) = self.debug.as_deref_mut() {
                if let Some(stop) = d.before(i, &self.harts[i], self.stats) {
                    return Turn::Stop(Exit::Debug(stop), ran);
                }
                self.last_access = None;
            }
            // A burst: instructions up to the round's end, the hart's next
            // timer deadline and the instruction limit, none of which can
            // then be reached inside it. Nothing else can make an interrupt
            // pending or enabled, or ask for power-off, without leaving the
            // burst at once (see `burst`), so the checks above would all find
            // nothing at the boundaries it runs through.
            let mut budget = deadline.min(end) - now;
            if let Some(max) = self.max_instructions {
                budget = budget.min(max.saturating_sub(self.stats.instructions));
            }
            let explain_at =
                self.explain.as_ref().and_then(Explain::stop_at).filter(|&at| i == 0 && at > self.harts[0].instret);
            if let Some(at) = explain_at {
                budget = budget.min(at - self.harts[0].instret);
            }
            if let Some(p) = &self.profiler {
                budget = budget.min(p.until_sample(i, self.harts[i].instret));
            }
            // Sdtrig: a guest trigger fires before the instruction it matches.
            let armed = self.harts[i].csr.triggers.armed();
            if armed {
                if let Some(e) = crate::hart::trigger::check(&mut self.harts[i], &self.mmus[i], &mut self.bus) {
                    self.trap(i, Trap::Exception(e));
                    self.harts[i].cycle += 1;
                    self.bus.clint.tick(1);
                    ran = true;
                    continue;
                }
            }
            let stop = if !self.bursts || self.debug.is_some() || armed {
                self.burst(i, 1)
            } else if self.decoded_pages && !self.traced && !self.mmus[i].record {
                self.burst_fast(i, budget.max(1))
            } else {
                self.burst(i, budget.max(1))
            };
            if let Some(exit) = stop {
                return Turn::Stop(exit, ran);
            }
            ran = true;
            if self.bus.trace_port.has_events() {
                self.kernel_events(i);
            }
            if let Some(p) = &mut self.profiler {
                let procs = self.tracer.processes();
                p.maybe_sample(i, &self.harts[i], || procs.current(i as u64).map(|q| q.path.as_str()));
            }
            if explain_at == Some(self.harts[0].instret) {
                if let Some(x) = &mut self.explain {
                    x.icount_reached(&self.harts[0], &self.mmus[0], &mut self.bus);
                }
            }
            if let Some(req) = self.bus.take_power_request() {
                let exit = match req {
                    PowerRequest::Pass => Exit::PowerOff(0),
                    PowerRequest::Fail(code) => Exit::PowerOff(code),
                    PowerRequest::Reset => Exit::Reset,
                };
                return Turn::Stop(exit, ran);
            }
            if let Some(d) = self.debug.as_deref_mut() {
                if let Some(stop) = d.after(i, self.last_access, self.stats) {
                    return Turn::Stop(Exit::Debug(stop), ran);
                }
            }
            if let Some(max) = self.max_instructions {
                if self.stats.instructions >= max {
                    return Turn::Stop(Exit::InstructionLimit(max), ran);
                }
            }
        }
        if ran {
            Turn::Ran
        } else {
            Turn::Waiting
        }
    }

    /// Run up to `budget` (at least 1) instructions on hart `i`, one cycle
    /// each, with no checks between them; return early after an instruction
    /// that may change what the turn's checks see: one that traps, one whose
    /// [`Outcome`] is not [`Outcome::Continue`] (WFI, sfence.vma, fence.i,
    /// xRET, writes to interrupt CSRs), any CSR instruction (an mstatus
    /// write may enable interrupts), and any device access or HTIF command
    /// ([`Bus::attention`]: devices may raise lines or ask for power-off).
    /// `Some` when the machine must stop.
    #[inline(never)]
    fn burst(&mut self, i: usize, budget: u64) -> Option<Exit> {
        self.bus.attention = false;
        for _ in 0..budget {
            let step = self.step(i);
            if let Some(exit) = self.end_step(i, step) {
                return exit;
            }
        }
        None
    }

    /// [`Machine::burst`] through the decoded-page cache: integer
    /// operations, loads and stores of decoded instructions run on a short
    /// path with the hart, its MMU and the bus borrowed once; any other
    /// instruction, a fetch the cache cannot serve and any exception go
    /// through the general step. Used only while no trace is on and the MMU
    /// records no events (the short path writes none).
    #[inline(never)]
    fn burst_fast(&mut self, i: usize, budget: u64) -> Option<Exit> {
        self.bus.attention = false;
        let mut cursor = Cursor::new();
        let mut memo = DataMemo::new();
        let mut left = budget;
        while left > 0 {
            let Machine { harts, mmus, bus, code, decoded, stats, entered_handler, .. } = self;
            let (hart, mmu, entered) = (&mut harts[i], &mut mmus[i], &mut entered_handler[i]);
            let mut cpu = Cpu::with_memo(hart, mmu, bus, &mut memo);
            let (done, fetched, fault) = stretch(&mut cpu, code, &mut cursor, decoded, left);
            cpu.tick_clint();
            // The instruction returned unexecuted or faulting was fetched too.
            cursor.end_stretch(cpu.mmu, done + (fetched.is_some() || fault.is_some()) as u64);
            retire(cpu.hart, stats, entered, done);
            cpu.hart.cycle += done;
            left -= done;
            if cpu.bus.attention && fetched.is_none() && fault.is_none() {
                return None;
            }
            if left == 0 {
                return None;
            }
            let step = match (fault, fetched) {
                (Some(e), _) => self.exception(i, e),
                (None, Some((insn, raw))) => self.execute_fetched(i, &insn, raw),
                (None, None) => self.step(i),
            };
            left -= 1;
            if let Some(exit) = self.end_step(i, step) {
                return exit;
            }
        }
        None
    }

    /// Finish a step of hart `i` inside a burst: `Some(Some(exit))` when the
    /// machine must stop, `Some(None)` when the burst must end, `None` when
    /// it may go on. The step took one cycle unless the machine stops.
    #[inline(always)]
    fn end_step(&mut self, i: usize, step: Step) -> Option<Option<Exit>> {
        if let Step::Stop(exit) = step {
            return Some(Some(exit));
        }
        self.harts[i].cycle += 1;
        self.bus.clint.tick(1);
        if !matches!(step, Step::Next) || self.bus.attention {
            return Some(None);
        }
        None
    }

    /// Fetch, decode and execute one instruction on hart `i`, taking the
    /// trap it raises, if any.
    #[inline(always)]
    fn step(&mut self, i: usize) -> Step {
        let hart = &mut self.harts[i];
        let mmu = &mut self.mmus[i];
        match Cpu::new(hart, mmu, &mut self.bus).fetch() {
            Ok(raw) => {
                let insn = self.decoded.decode(raw);
                self.execute_fetched(i, &insn, raw)
            }
            Err(e) => self.exception(i, e),
        }
    }

    /// Execute `insn` (raw bits `raw`), just fetched at hart `i`'s pc,
    /// taking the trap it raises, if any, and writing its traces.
    #[inline(always)]
    fn execute_fetched(&mut self, i: usize, insn: &Insn, raw: u32) -> Step {
        let hart = &mut self.harts[i];
        let mmu = &mut self.mmus[i];
        let pc = hart.pc;
        // The instruction's events carry the state it started in.
        let stamp = Stamp::of(hart);
        let env = CsrEnv { hartid: hart.id, cycle: hart.cycle, instret: hart.instret, time: self.bus.clint.mtime() };
        let mut cpu = Cpu::new(hart, mmu, &mut self.bus);
        let csr_before = if self.tracer.on(Category::Csr) { csr_trace::before(cpu.hart, insn, &env) } else { None };
        let result = execute(&mut cpu, insn, raw, &env);
        let mem = cpu.mem;
        if self.debug.is_some() {
            self.last_access = if result.is_ok() { mem } else { None };
        }
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                if insn.op == Op::Illegal {
                    self.report_unimplemented(i, pc, raw);
                }
                return self.exception(i, e);
            }
        };
        if let Outcome::FlushTranslations(scope) = outcome {
            mmu.sfence(scope);
        }
        if !mmu.events.is_empty() {
            drain_events(mmu, &stamp, &mut self.tracer);
        }
        retire(hart, &mut self.stats, &mut self.entered_handler[i], 1);
        if self.tracer.on(Category::Insn) {
            let write = match insn.op.rd_file() {
                Some(RegFile::X) if insn.rd != 0 => {
                    Some(RegWrite { file: 'x', reg: insn.rd, value: hart.x[insn.rd as usize] })
                }
                Some(RegFile::F) => Some(RegWrite { file: 'f', reg: insn.rd, value: hart.f[insn.rd as usize] }),
                _ => None,
            };
            self.tracer.insn(&stamp, pc, raw, insn, write, mem);
        }
        if let Some(before) = csr_before {
            csr_trace::after(&mut self.tracer, &stamp, hart, before, &env);
        }
        if matches!(insn.op, Op::Mret | Op::Sret) {
            self.priv_clocks[i].switch(hart.instret, hart.prv);
            if self.tracer.on(Category::Trap) {
                let which = if insn.op == Op::Mret { "mret" } else { "sret" };
                self.tracer.xret(&stamp, which, hart.prv, hart.pc);
            }
        }
        // The decode cache is keyed by the instruction's bits and the
        // decoded-page cache sees every write into RAM, so FlushCode
        // (fence.i) needs no action; interrupts are checked before every
        // instruction outside a burst, which covers CheckInterrupts.
        match outcome {
            Outcome::Continue if !is_csr(insn.op) => return Step::Next,
            Outcome::WaitForInterrupt => hart.wfi = true,
            // stimecmp, menvcfg or mip may have moved a timer line: look again.
            Outcome::CheckInterrupts => self.bus.lines_dirty = true,
            _ => {}
        }
        if let Some(x) = &mut self.explain {
            // Only CSR instructions write satp.
            x.satp_written(hart, mmu, &mut self.bus);
        }
        Step::Leave
    }

    /// Take exception `e` on hart `i`, unless it was raised by the first
    /// fetch of the trap handler itself (a trap loop, which stops the machine).
    #[inline(never)]
    fn exception(&mut self, i: usize, e: Exception) -> Step {
        self.drain_mmu_events(i);
        if let Some(x) = &mut self.explain {
            x.fault(&self.harts[i], &self.mmus[i], &mut self.bus, e);
        }
        let hart = &self.harts[i];
        if self.entered_handler[i] == Some(hart.pc) {
            let c = &hart.csr;
            let first = match hart.prv {
                Priv::M => (c.mepc, c.mcause, c.mtval),
                _ => (c.sepc, c.scause, c.stval),
            };
            return Step::Stop(Exit::TrapLoop { hart: hart.id, pc: hart.pc, cause: e, first });
        }
        self.trap(i, Trap::Exception(e));
        Step::Leave
    }

    fn trap(&mut self, i: usize, trap: Trap) {
        let hart = &mut self.harts[i];
        let (epc, stamp) = (hart.pc, Stamp::of(hart));
        let to = hart.take_trap(trap);
        self.priv_clocks[i].trap(hart.instret, trap, stamp.prv, to);
        self.stats.traps += 1;
        self.entered_handler[i] = Some(hart.pc);
        if self.tracer.on(Category::Trap) {
            self.tracer.trap(&stamp, trap, epc, to);
        }
    }

    /// The `--explain` text once the run has ended (None without
    /// `--explain`); see [`crate::trace::explain`].
    pub fn finish_explain(&mut self) -> Option<String> {
        let x = self.explain.take()?;
        Some(x.finish(&self.harts[0], &self.mmus[0], &mut self.bus))
    }

    /// Hand the events the kernel sent through the trace port (by the
    /// store hart `i` just retired) to the tracer.
    #[cold]
    fn kernel_events(&mut self, i: usize) {
        let mut stamp = Stamp::of(&self.harts[i]);
        stamp.icount = stamp.icount.wrapping_sub(1);
        for e in self.bus.trace_port.take() {
            if let (Some(x), crate::devices::trace_port::Kind::ProcSwitch) = (&mut self.explain, e.kind) {
                x.process_switched(e.args[0], e.args[1] as u16);
            }
            self.tracer.kernel_event(&stamp, &e);
        }
    }

    /// Write out the MMU events hart `i` recorded during its last step.
    #[inline]
    fn drain_mmu_events(&mut self, i: usize) {
        drain_events(&mut self.mmus[i], &Stamp::of(&self.harts[i]), &mut self.tracer);
    }

    /// Log (rate-limited) a word svemu does not execute: an encoding
    /// outside RV64GC and the privileged instructions. The guest sees an
    /// illegal-instruction trap; the log tells the user it was svemu's limit
    /// or a reserved encoding, not necessarily a guest bug.
    fn report_unimplemented(&mut self, i: usize, pc: u64, raw: u32) {
        const LIMIT: u32 = 10;
        self.unimplemented_reports += 1;
        if self.unimplemented_reports > LIMIT {
            return;
        }
        let more = if self.unimplemented_reports == LIMIT { "; further reports suppressed" } else { "" };
        log::warn!(
            "hart {i}: pc {pc:#x}: {raw:#010x} is not an instruction svemu implements (RV64GC, privileged): \
             raising an illegal-instruction trap{more}"
        );
    }
}

/// Run short-path instructions on `cpu` until `left` have retired, one
/// needs the general step, one raises an exception, or a device asks for
/// attention: the instructions retired, the fetched instruction (decoded,
/// raw bits) that has no short path, and the exception raised, if any.
/// Instret, the cycle count and the statistics are left to the caller (no
/// handler reads them); time advances per instruction, since a load may
/// read mtime. A function of its own so that `code` is a parameter the
/// handlers cannot reach: the compiler then keeps what the fetch reads of
/// it in registers across the handler calls.
#[inline(never)]
fn stretch(
    cpu: &mut Cpu,
    code: &mut CodePages,
    cursor: &mut Cursor,
    decoded: &mut DecodeCache,
    left: u64,
) -> (u64, Option<(Insn, u32)>, Option<Exception>) {
    cpu.chain.rem = left;
    cpu.chain.ticked = left;
    cursor.revalidate(cpu.mmu, &cpu.bus.ram);
    cpu.revalidate_memo();
    while cpu.chain.rem > 0 {
        let Some(at) = code.fetch(cursor, left - cpu.chain.rem, cpu, decoded) else {
            break;
        };
        // A thread of handlers, each running the next one's while its slot
        // is at hand (see `code_pages::chain`); this is the one place a
        // stretch's instructions start from and return to.
        let slots = code.slots();
        cpu.chain.start(slots, cursor);
        let slot: *const Slot = &slots[at];
        // SAFETY: `slot` is a filled slot (`fetch` filled it) of `slots`,
        // which nothing changes while they are borrowed here (the handlers
        // cannot reach `code`), and `chain` was set up for them.
        match unsafe { ((*slot).go)(cpu, slot) } {
            Leave::Refetch => {
                cursor.revalidate(cpu.mmu, &cpu.bus.ram);
            }
            Leave::Done => break,
            Leave::NotShort => {
                // SAFETY: `stopped` is a slot of `slots`, still borrowed.
                let s = unsafe { &*cpu.chain.stopped };
                return (left - cpu.chain.rem, Some((s.insn, s.raw)), None);
            }
            Leave::Exception => return (left - cpu.chain.rem, None, cpu.chain.fault.take()),
        }
    }
    (left - cpu.chain.rem, None, None)
}

/// Count `n` instructions retired by `hart`: its instret, the run's count,
/// and (when `n` > 0) the end of a trap-handler entry (`entered`, see
/// [`Machine::exception`]).
#[inline(always)]
fn retire(hart: &mut Hart, stats: &mut RunStats, entered: &mut Option<u64>, n: u64) {
    if n > 0 {
        hart.instret = hart.instret.wrapping_add(n);
        stats.instructions += n;
        *entered = None;
    }
}

/// Write out the MMU events `mmu` recorded during the last step, which
/// started as `stamp` says.
#[inline(never)]
fn drain_events(mmu: &mut Mmu, stamp: &Stamp, tracer: &mut Tracer) {
    tracer.mmu_events(stamp, &mmu.events);
    mmu.events.clear();
}

/// True for the Zicsr instructions.
#[inline]
fn is_csr(op: Op) -> bool {
    matches!(op, Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci)
}
