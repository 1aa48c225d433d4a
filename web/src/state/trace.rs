//! A perf trace being replayed chunk by chunk (the page answers input in between).

use slabscope_core::machine::MachineConfig;
use slabscope_core::session::Session;

/// Events replayed per chunk while a trace loads (the page stays responsive in between).
const CHUNK: usize = 2000;

/// A perf trace being replayed, chunk by chunk.
pub struct LoadJob {
    pub name: String,
    events: Vec<slabscope_core::trace::TraceEvent>,
    pub done: usize,
    bad: usize,
    replayer: slabscope_core::trace::Replayer,
}

impl LoadJob {
    pub(super) fn start(name: String, text: &str) -> Result<LoadJob, String> {
        use slabscope_core::trace;
        let (events, bad) = trace::parse(text);
        if events.is_empty() {
            return Err(format!("no kmem events found ({} malformed line(s))", bad.len()));
        }
        let cpus = events.iter().map(|e| e.cpu + 1).max().unwrap_or(1).clamp(1, 64);
        let config = MachineConfig { mem_bytes: 256 << 20, cpus, ..MachineConfig::default() };
        let session = Session::with_names(config, Default::default()).map_err(|e| e.to_string())?;
        let bad_count = bad.len();
        Ok(LoadJob { name, events, done: 0, bad: bad_count, replayer: trace::Replayer::new(session, "", bad) })
    }
    /// Replay one chunk; true when the whole trace is done.
    pub(super) fn step(&mut self) -> bool {
        let end = (self.done + CHUNK).min(self.events.len());
        for ev in &self.events[self.done..end] {
            self.replayer.feed(ev);
        }
        self.done = end;
        self.done == self.events.len()
    }
    pub fn total(&self) -> usize {
        self.events.len()
    }
    pub(super) fn finish(self) -> (Session, String) {
        let n = self.events.len();
        let (session, report) = self.replayer.finish();
        let summary = format!(
            "{}: {n} events, {} simulated ops, {} unmatched frees, {} malformed line(s)",
            self.name,
            session.op_count(),
            report.unmatched_frees,
            self.bad
        );
        (session, summary)
    }
}
