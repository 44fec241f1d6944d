//! A gdb remote stub (the `gdbstub` crate) for a [`Machine`]: each hart is
//! a thread; break, continue, step, stepi; x, f, pc, the CSRs and `priv`
//! through a target description ([`arch`]); software and hardware
//! breakpoints; read, write and access watchpoints; memory by virtual
//! address through the selected hart's current translation
//! ([`crate::debug::memory`]: a failed translation is an error, never a
//! zero); `monitor` commands for the MMU ([`monitor`]); and reverse
//! execution ([`reverse`]) by deterministic replay.
//!
//! While the debugger has nothing set, the machine runs at full speed in
//! chunks of [`CHUNK`] instructions, looking for a Ctrl-C from gdb between
//! them; with breakpoints, watchpoints or a step pending, every instruction
//! runs alone through the general step with the checks of
//! [`crate::debug::Debug`]. A stopped run resumes exactly where it stopped,
//! so the run is the same instruction for instruction as without gdb.
//!
//! The guest's console output goes through a buffer and is printed once:
//! after a reverse step the replayed machine prints again what was printed
//! already, and only new bytes reach the terminal ([`Console`]).

pub mod arch;
pub mod monitor;
pub mod reverse;

use std::io::Write;
use std::net::{TcpListener, TcpStream};

use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::reverse_exec::{ReverseCont, ReverseContOps, ReverseStep, ReverseStepOps};
use gdbstub::target::ext::base::single_register_access::{SingleRegisterAccess, SingleRegisterAccessOps};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{self as bp, BreakpointsOps};
use gdbstub::target::ext::monitor_cmd::MonitorCmdOps;
use gdbstub::target::ext::target_description_xml_override::{
    TargetDescriptionXmlOverride, TargetDescriptionXmlOverrideOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};

use crate::debug::{self, memory, Debug, Stop, WatchKind, Watchpoint};
use crate::hart::csr::CsrEnv;
use crate::hart::Priv;
use crate::machine::{Exit, Machine};
use arch::{Reg, Regs, Rv64};

/// Instructions run between two looks at the connection while nothing
/// else stops the machine (about a hundredth of a second at full speed).
pub const CHUNK: u64 = 1_000_000;

/// Builds a fresh machine in its reset state, as the command line built the
/// first one but with console output to a buffer and tracing off (for
/// reverse execution, which replays from the start).
pub type Rebuild = Box<dyn FnMut() -> anyhow::Result<Machine>>;

/// The console mirror: the guest's output bytes, each printed on stdout
/// once however many times replays produce it.
#[derive(Debug, Default)]
pub struct Console {
    /// Bytes of the guest's output printed so far.
    pub printed: usize,
}

impl Console {
    /// Print what `m`'s UART buffer holds beyond what was printed; the
    /// buffer starts after `base` bytes of the guest's output (a machine
    /// restored from a checkpoint buffers only what it writes itself).
    pub fn pump(&mut self, m: &Machine, base: usize) {
        if let Some(out) = m.bus.uart.output() {
            let end = base + out.len();
            if end > self.printed {
                let from = self.printed.saturating_sub(base);
                let mut so = std::io::stdout().lock();
                let _ = so.write_all(&out[from..]);
                let _ = so.flush();
                self.printed = end;
            }
        }
    }
}

/// What a hart does when gdb resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Continue,
    Step,
}

/// A reverse request waiting for the event loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reverse {
    Step(usize),
    Cont,
}

/// The machine under gdb, with the debugger's state.
pub struct GdbTarget {
    /// The machine (replaced by a replayed one after a reverse step).
    pub machine: Machine,
    rebuild: Rebuild,
    /// A machine to replay in, built by `rebuild` (tracing off), kept
    /// between replays: restoring into memory already mapped is cheap.
    spare: Option<Machine>,
    /// `--max-insns`: the run ends there (gdb sees an exit with status 124).
    max_instructions: Option<u64>,
    /// Breakpoints and watchpoints set by gdb.
    requests: Debug,
    actions: Vec<Option<Action>>,
    reverse: Option<Reverse>,
    /// The hart of the last stop (monitor commands look at it).
    pub focus: usize,
    console: Console,
    /// Console bytes the guest wrote before the machine's buffer starts.
    console_base: usize,
    /// Automatic checkpoints, oldest first (see [`reverse`]).
    checkpoints: Vec<reverse::Checkpoint>,
    /// Reverse execution is refused (with `--drive`: replays would read
    /// the disk as the run left it).
    no_reverse: Option<String>,
    /// How the guest ended, once it has.
    ended: Option<Exit>,
    /// `monitor trap-stop on`: stop at the entry of every trap handler.
    pub trap_stop: bool,
    /// `monitor break-at ICOUNT`: stop when that many instructions retired.
    pub break_at: Option<u64>,
    /// The Sdtrig triggers the debugger holds on every hart (tdata1, tdata2),
    /// one per hardware breakpoint or watchpoint.
    triggers: Vec<(u64, u64)>,
}

fn tid(hart: usize) -> Tid {
    Tid::new(hart + 1).unwrap()
}

fn hart_of(t: Tid) -> usize {
    t.get() - 1
}

impl GdbTarget {
    /// The machine `machine` (built with console output to a buffer) under
    /// gdb; `rebuild` makes its replays; `no_reverse` says why reverse
    /// execution is refused, if it is.
    pub fn new(
        machine: Machine,
        rebuild: Rebuild,
        max_instructions: Option<u64>,
        no_reverse: Option<String>,
    ) -> GdbTarget {
        let n = machine.harts.len();
        let mut machine = machine;
        // The start of the run is the first checkpoint: every point has one before it.
        let start =
            reverse::Checkpoint { snapshot: crate::snapshot::Snapshot::capture(&mut machine, None), console: 0 };
        GdbTarget {
            spare: None,
            machine,
            rebuild,
            max_instructions,
            requests: Debug::default(),
            actions: vec![None; n],
            reverse: None,
            focus: 0,
            console: Console::default(),
            console_base: 0,
            checkpoints: vec![start],
            no_reverse,
            ended: None,
            trap_stop: false,
            break_at: None,
            triggers: Vec::new(),
        }
    }

    fn hart(&self, t: Tid) -> Result<usize, TargetError<String>> {
        let h = hart_of(t);
        if h < self.machine.harts.len() {
            Ok(h)
        } else {
            Err(TargetError::NonFatal)
        }
    }

    /// Run the machine until a stop gdb must hear of, or `poll` says gdb
    /// sent something (Ctrl-C): `None` then.
    fn run(&mut self, mut poll: impl FnMut() -> bool) -> Option<MultiThreadStopReason<u64>> {
        if let Some(exit) = &self.ended {
            return Some(exit_reason(exit));
        }
        if let Some(r) = self.reverse.take() {
            return Some(self.reverse(r));
        }
        let mut d = self.requests.clone();
        d.step = self.actions.iter().position(|a| *a == Some(Action::Step));
        d.resumed_at = Some(debug::position(self.machine.stats));
        d.trap_stop = self.trap_stop.then_some(self.machine.stats.traps);
        self.machine.debug = (!d.is_idle()).then(|| Box::new(d));
        let reason = loop {
            let done = self.machine.stats.instructions;
            let mut chunk_end = done.saturating_add(CHUNK);
            if let Some(b) = self.break_at.filter(|&b| b > done) {
                chunk_end = chunk_end.min(b);
            }
            self.machine.max_instructions = Some(self.max_instructions.map_or(chunk_end, |m| m.min(chunk_end)));
            let exit = self.machine.run();
            self.console.pump(&self.machine, self.console_base);
            match exit {
                Exit::Debug(stop) => {
                    if let Stop::Watch { before, .. } = stop {
                        // Show the hart before the access (see `reverse`).
                        if self.no_reverse.is_none() {
                            if let Err(e) = self.go_to(before) {
                                diag!("svemu: cannot go back before the watched access: {e}");
                            }
                        }
                    }
                    break self.stopped(stop);
                }
                Exit::InstructionLimit(n) if Some(n) == self.break_at => {
                    self.break_at = None;
                    break MultiThreadStopReason::SignalWithThread { tid: tid(self.focus), signal: Signal::SIGTRAP };
                }
                Exit::InstructionLimit(n) if Some(n) != self.max_instructions => {
                    if self.no_reverse.is_none() {
                        self.maybe_checkpoint(reverse::INTERVAL);
                    }
                    if poll() {
                        self.machine.debug = None;
                        return None;
                    }
                }
                exit => {
                    let r = exit_reason(&exit);
                    report_end(&exit);
                    self.ended = Some(exit);
                    break r;
                }
            }
        };
        self.machine.debug = None;
        self.machine.max_instructions = None;
        // A checkpoint near where the user looks makes going back from here cheap.
        if self.no_reverse.is_none() && self.ended.is_none() {
            self.maybe_checkpoint(reverse::NEAR);
        }
        Some(reason)
    }

    /// The stop reason gdb hears for `stop`.
    fn stopped(&mut self, stop: Stop) -> MultiThreadStopReason<u64> {
        match stop {
            Stop::Breakpoint { hart, .. } => {
                self.focus = hart;
                MultiThreadStopReason::SwBreak(tid(hart))
            }
            Stop::Watch { hart, addr, kind, .. } => {
                self.focus = hart;
                let kind = match kind {
                    WatchKind::Write => bp::WatchKind::Write,
                    WatchKind::Read => bp::WatchKind::Read,
                    WatchKind::Access => bp::WatchKind::ReadWrite,
                };
                MultiThreadStopReason::Watch { tid: tid(hart), kind, addr }
            }
            Stop::Trap { hart } => {
                self.focus = hart;
                MultiThreadStopReason::SignalWithThread { tid: tid(hart), signal: Signal::SIGTRAP }
            }
            Stop::Step { hart } | Stop::Position { hart } => {
                self.focus = hart;
                MultiThreadStopReason::DoneStep
            }
        }
    }
}

/// What gdb hears when the guest's run ends.
fn exit_reason(exit: &Exit) -> MultiThreadStopReason<u64> {
    match exit {
        Exit::PowerOff(code) => MultiThreadStopReason::Exited(*code as u8),
        Exit::InstructionLimit(_) => MultiThreadStopReason::Exited(124),
        _ => MultiThreadStopReason::Terminated(Signal::SIGKILL),
    }
}

/// Say on stderr why a run ended other than by a power-off.
fn report_end(exit: &Exit) {
    match exit {
        Exit::PowerOff(_) => {}
        Exit::InstructionLimit(n) => diag!("svemu: stopped after {n} instructions (--max-insns)"),
        e => diag!("svemu: the run ended: {e:?}"),
    }
}

impl Target for GdbTarget {
    type Arch = Rv64;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Rv64, String> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_target_description_xml_override(&mut self) -> Option<TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }

    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }
}

impl MultiThreadBase for GdbTarget {
    fn read_registers(&mut self, regs: &mut Regs, t: Tid) -> TargetResult<(), Self> {
        let h = &self.machine.harts[self.hart(t)?];
        regs.x = h.x;
        regs.pc = h.pc;
        regs.f = h.f;
        Ok(())
    }

    fn write_registers(&mut self, regs: &Regs, t: Tid) -> TargetResult<(), Self> {
        let i = self.hart(t)?;
        let h = &mut self.machine.harts[i];
        h.x = regs.x;
        h.x[0] = 0;
        h.pc = regs.pc;
        h.f = regs.f;
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], t: Tid) -> TargetResult<usize, Self> {
        let i = self.hart(t)?;
        let m = &mut self.machine;
        memory::read_virtual(&m.harts[i], &m.mmus[i], &mut m.bus, start, data).map_err(|e| {
            log::debug!("gdb read at {start:#x}: {e}");
            TargetError::Errno(14)
        })
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], t: Tid) -> TargetResult<(), Self> {
        let i = self.hart(t)?;
        let m = &mut self.machine;
        memory::write_virtual(&m.harts[i], &m.mmus[i], &mut m.bus, start, data).map_err(|e| {
            log::debug!("gdb write at {start:#x}: {e}");
            TargetError::Errno(14)
        })
    }

    fn list_active_threads(&mut self, active: &mut dyn FnMut(Tid)) -> Result<(), String> {
        (0..self.machine.harts.len()).for_each(|h| active(tid(h)));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for GdbTarget {
    fn read_register(&mut self, t: Tid, reg: Reg, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let i = self.hart(t)?;
        let h = &self.machine.harts[i];
        let v = match reg {
            Reg::X(n) => h.x[n as usize],
            Reg::Pc => h.pc,
            Reg::F(n) => h.f[n as usize],
            Reg::Priv => h.prv as u64,
            Reg::Csr(a) => {
                let env =
                    CsrEnv { hartid: h.id, cycle: h.cycle, instret: h.instret, time: self.machine.bus.clint.mtime() };
                h.csr.read_hpm(a, &env, &crate::hart::hpm::sources(h, &self.machine.mmus[i]))
            }
        };
        let n = buf.len().min(8);
        buf[..n].copy_from_slice(&v.to_le_bytes()[..n]);
        Ok(n)
    }

    fn write_register(&mut self, t: Tid, reg: Reg, val: &[u8]) -> TargetResult<(), Self> {
        let i = self.hart(t)?;
        let mut b = [0u8; 8];
        let n = val.len().min(8);
        b[..n].copy_from_slice(&val[..n]);
        let v = u64::from_le_bytes(b);
        let h = &mut self.machine.harts[i];
        match reg {
            Reg::X(0) => {}
            Reg::X(n) => h.x[n as usize] = v,
            Reg::Pc => h.pc = v,
            Reg::F(n) => h.f[n as usize] = v,
            Reg::Priv => h.prv = Priv::from_bits(v),
            Reg::Csr(a) => {
                if let crate::hart::csr::CsrEffect::Hpm(a, v) = h.csr.write(a, v) {
                    let src = crate::hart::hpm::sources(h, &self.machine.mmus[i]);
                    h.csr.write_hpm(a, v, &src);
                }
                // Translations cached under the old value must go.
                self.machine.mmus[i].sfence(crate::mmu::FlushScope::All);
            }
        }
        Ok(())
    }
}

impl MultiThreadResume for GdbTarget {
    fn resume(&mut self) -> Result<(), String> {
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), String> {
        self.actions.iter_mut().for_each(|a| *a = None);
        Ok(())
    }

    fn set_resume_action_continue(&mut self, t: Tid, _signal: Option<Signal>) -> Result<(), String> {
        let h = hart_of(t);
        if let Some(a) = self.actions.get_mut(h) {
            *a = Some(Action::Continue);
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }

    fn support_reverse_step(&mut self) -> Option<ReverseStepOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_reverse_cont(&mut self) -> Option<ReverseContOps<'_, Tid, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for GdbTarget {
    fn set_resume_action_step(&mut self, t: Tid, _signal: Option<Signal>) -> Result<(), String> {
        let h = hart_of(t);
        if let Some(a) = self.actions.get_mut(h) {
            *a = Some(Action::Step);
        }
        Ok(())
    }
}

/// gdb asks for scheduler locking when it steps one thread. The harts of a
/// run take turns in a fixed order (that is what makes it deterministic),
/// so the others go on running while one steps, as on real hardware.
impl MultiThreadSchedulerLocking for GdbTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), String> {
        Ok(())
    }
}

impl ReverseStep<Tid> for GdbTarget {
    fn reverse_step(&mut self, t: Tid) -> Result<(), String> {
        self.reverse = Some(Reverse::Step(hart_of(t)));
        Ok(())
    }
}

impl ReverseCont<Tid> for GdbTarget {
    fn reverse_cont(&mut self) -> Result<(), String> {
        self.reverse = Some(Reverse::Cont);
        Ok(())
    }
}

impl bp::Breakpoints for GdbTarget {
    fn support_sw_breakpoint(&mut self) -> Option<bp::SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<bp::HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<bp::HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl bp::SwBreakpoint for GdbTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        // Set twice (a software and a hardware one) is still one stop.
        self.requests.breakpoints.insert(addr);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.requests.breakpoints.remove(&addr))
    }
}

/// The tdata1 of a trigger the debugger takes: mcontrol6, every mode, `what`
/// (execute, load and/or store bits).
fn debugger_tdata1(what: u64) -> u64 {
    use crate::hart::trigger::mcontrol6 as mc;
    mc::TYPE_MCONTROL6 << mc::TYPE_SHIFT | mc::M | mc::S | mc::U | what
}

impl GdbTarget {
    /// Give every hart the triggers the debugger holds (dmode = 1), after a
    /// change of them or of the machine (a replay): false when a hart has
    /// no trigger left for one of them (the Sdtrig triggers are shared with
    /// the guest).
    pub(super) fn sync_triggers(&mut self) -> bool {
        let mut ok = true;
        for h in &mut self.machine.harts {
            let t = &mut h.csr.triggers;
            (0..crate::hart::trigger::TRIGGERS).for_each(|k| t.release_from_debugger(k));
            for &(d1, d2) in &self.triggers {
                ok &= t.take_for_debugger(d1, d2).is_some();
            }
        }
        ok
    }

    /// Take a trigger on every hart for a hardware breakpoint or watchpoint.
    fn take_trigger(&mut self, tdata1: u64, tdata2: u64) -> bool {
        self.triggers.push((tdata1, tdata2));
        if self.sync_triggers() {
            return true;
        }
        self.triggers.pop();
        self.sync_triggers();
        false
    }

    /// Give back a trigger taken by [`GdbTarget::take_trigger`].
    fn give_trigger(&mut self, tdata1: u64, tdata2: u64) {
        if let Some(k) = self.triggers.iter().position(|&t| t == (tdata1, tdata2)) {
            self.triggers.remove(k);
            self.sync_triggers();
        }
    }
}

impl bp::HwBreakpoint for GdbTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, kind: usize) -> TargetResult<bool, Self> {
        let d1 = debugger_tdata1(crate::hart::trigger::mcontrol6::EXECUTE);
        if !self.take_trigger(d1, addr) {
            return Ok(false);
        }
        bp::SwBreakpoint::add_sw_breakpoint(self, addr, kind)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, kind: usize) -> TargetResult<bool, Self> {
        self.give_trigger(debugger_tdata1(crate::hart::trigger::mcontrol6::EXECUTE), addr);
        bp::SwBreakpoint::remove_sw_breakpoint(self, addr, kind)
    }
}

/// The mcontrol6 load/store bits of a watchpoint kind.
fn watch_bits(kind: WatchKind) -> u64 {
    use crate::hart::trigger::mcontrol6 as mc;
    match kind {
        WatchKind::Write => mc::STORE,
        WatchKind::Read => mc::LOAD,
        WatchKind::Access => mc::LOAD | mc::STORE,
    }
}

fn watch_kind(kind: bp::WatchKind) -> WatchKind {
    match kind {
        bp::WatchKind::Write => WatchKind::Write,
        bp::WatchKind::Read => WatchKind::Read,
        bp::WatchKind::ReadWrite => WatchKind::Access,
    }
}

impl bp::HwWatchpoint for GdbTarget {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: bp::WatchKind) -> TargetResult<bool, Self> {
        let kind = watch_kind(kind);
        if !self.take_trigger(debugger_tdata1(watch_bits(kind)), addr) {
            // No free trigger: gdb says it could not insert the watchpoint.
            return Ok(false);
        }
        self.requests.watchpoints.push(Watchpoint { addr, len: len.max(1), kind });
        Ok(true)
    }

    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: bp::WatchKind) -> TargetResult<bool, Self> {
        let w = Watchpoint { addr, len: len.max(1), kind: watch_kind(kind) };
        match self.requests.watchpoints.iter().position(|x| *x == w) {
            Some(k) => {
                self.requests.watchpoints.remove(k);
                self.give_trigger(debugger_tdata1(watch_bits(w.kind)), addr);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

impl TargetDescriptionXmlOverride for GdbTarget {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::NonFatal);
        }
        let xml = arch::target_xml();
        let bytes = xml.as_bytes();
        let start = (offset as usize).min(bytes.len());
        let n = (bytes.len() - start).min(length).min(buf.len());
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}

/// gdbstub's blocking event loop over the machine.
enum Loop {}

impl run_blocking::BlockingEventLoop for Loop {
    type Target = GdbTarget;
    type Connection = TcpStream;
    type StopReason = MultiThreadStopReason<u64>;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(
        target: &mut GdbTarget,
        conn: &mut TcpStream,
    ) -> Result<
        run_blocking::Event<MultiThreadStopReason<u64>>,
        run_blocking::WaitForStopReasonError<String, std::io::Error>,
    > {
        let poll = || conn.peek().map(|b| b.is_some()).unwrap_or(true);
        match target.run(poll) {
            Some(reason) => Ok(run_blocking::Event::TargetStopped(reason)),
            None => {
                let byte = conn.read().map_err(run_blocking::WaitForStopReasonError::Connection)?;
                Ok(run_blocking::Event::IncomingData(byte))
            }
        }
    }

    fn on_interrupt(target: &mut GdbTarget) -> Result<Option<MultiThreadStopReason<u64>>, String> {
        let _ = target;
        Ok(Some(MultiThreadStopReason::SignalWithThread { tid: tid(target.focus), signal: Signal::SIGINT }))
    }
}

/// How a gdb session starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Wait for gdb before the first instruction (QEMU's `-S`).
    Wait,
    /// Run, and stop where the run is when gdb attaches (QEMU's `-s` alone).
    Run,
}

/// Serve gdb on `listener` (its address printed on stderr first) for
/// `target`; returns the process exit status: the guest's when it ended,
/// else the status of the run finished after gdb detached.
pub fn serve(mut target: GdbTarget, listener: TcpListener, start: Start) -> anyhow::Result<i32> {
    let addr = listener.local_addr()?;
    diag!("svemu: waiting for gdb on {addr} (target remote {addr})");
    let stream = match start {
        Start::Wait => listener.accept()?.0,
        Start::Run => {
            listener.set_nonblocking(true)?;
            loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.into()),
                }
                if let Some(reason) = target.run(|| true) {
                    if let Some(exit) = &target.ended {
                        let _ = reason;
                        return Ok(status(exit));
                    }
                }
            }
        }
    };
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    diag!("svemu: gdb attached");
    let gdb = GdbStub::new(stream);
    let reason = gdb.run_blocking::<Loop>(&mut target).map_err(|e| anyhow::anyhow!("gdb session failed: {e}"))?;
    match reason {
        DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => {
            Ok(target.ended.as_ref().map_or(0, status))
        }
        DisconnectReason::Kill => {
            diag!("svemu: killed by gdb");
            Ok(0)
        }
        DisconnectReason::Disconnect => {
            diag!("svemu: gdb detached; running on");
            target.requests = Debug::default();
            target.actions.iter_mut().for_each(|a| *a = None);
            loop {
                target.run(|| false);
                if let Some(exit) = &target.ended {
                    return Ok(status(exit));
                }
            }
        }
    }
}

/// The process exit status for the end of a run (as without gdb).
pub fn status(exit: &Exit) -> i32 {
    match exit {
        Exit::PowerOff(code) => *code as i32,
        Exit::InstructionLimit(_) => 124,
        Exit::Reset => 0,
        _ => 1,
    }
}
