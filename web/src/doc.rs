//! The sandbox document (machine configuration + optional seeded workload + op-language script),
//! how it becomes a session, its `.ops` export, and the URL state (mode, document, step).
//! No allocator logic: sessions are built by the core (`script`, `workload`, `Session`).

use std::fmt;
use std::io::Read;

use slabscope_core::limits::{Limit, LimitError, Limits};
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::op::Op;
use slabscope_core::script::{self, ScriptError, ScriptErrorKind};
use slabscope_core::session::Session;
use slabscope_core::sim::OpError;
use slabscope_core::workload::{Generator, Mix};

/// The walking skeleton's demo: a small machine so every page is visible.
pub const DEMO_CONFIG: &str = "mem=256K";
pub const DEMO_SCRIPT: &str = "\
pages alloc order=0 as=a
pages alloc order=2 as=b
pages alloc order=1 as=c
pages alloc order=3 as=d
pages free a
pages free c
pages free b
pages free d
";

/// Largest workload the generator accepts (ops).
pub const MAX_WORKLOAD: usize = 1_000_000;

/// The UI mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lessons,
    Sandbox,
    Trace,
    /// Seeded practice questions graded by the simulation (issue 20).
    Exercises,
    /// Runs side by side (issue #19).
    Compare,
}

impl Mode {
    pub const ALL: [Mode; 5] = [Mode::Lessons, Mode::Sandbox, Mode::Trace, Mode::Exercises, Mode::Compare];
    pub fn code(self) -> &'static str {
        match self {
            Mode::Lessons => "lessons",
            Mode::Sandbox => "sandbox",
            Mode::Trace => "trace",
            Mode::Exercises => "exercises",
            Mode::Compare => "compare",
        }
    }
    pub fn from_code(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.code() == s)
    }
}

/// A seeded workload (core::workload) run before the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub seed: u64,
    pub count: usize,
    /// A `Mix::PRESETS` name.
    pub mix: String,
}

/// What the sandbox session is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub config: MachineConfig,
    pub workload: Option<Workload>,
    /// Op-language lines (no `config` lines: the configuration lives in `config`).
    pub script: String,
}

/// Apply `key=value` settings (space- or comma-separated) to the default machine. Errors name the
/// setting.
pub fn config_from_settings(text: &str) -> Result<MachineConfig, String> {
    let mut c = MachineConfig::default();
    for (i, kv) in text.split([' ', ',']).filter(|s| !s.is_empty()).enumerate() {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("setting {} `{kv}`: expected KEY=VALUE", i + 1))?;
        script::set_config(&mut c, k, v).map_err(|e| format!("setting {} `{kv}`: {e}", i + 1))?;
    }
    c.validate().map_err(|e| format!("invalid machine: {e}"))?;
    Ok(c)
}

impl Doc {
    pub fn demo() -> Doc {
        Doc {
            config: config_from_settings(DEMO_CONFIG).expect("demo config is valid"),
            workload: None,
            script: DEMO_SCRIPT.to_string(),
        }
    }

    /// Build the session: boot, the workload's ops, then the script's. Errors are located
    /// (`line:col: message` for the script, `workload op N: message` for the workload).
    pub fn build(&self) -> Result<Session, BuildError> {
        let mut b = self.builder()?;
        while !b.step(usize::MAX)? {}
        Ok(b.finish().1)
    }

    /// Prepare the build (check the script's size, set up the workload's generator) without
    /// generating the workload or parsing the script, so a large document is generated, parsed
    /// and built in chunks ([`Builder::step`]) while the page stays responsive (#14: a
    /// 1,000,000-op `#wl=` link has no long task). The browser's budgets are [`browser_limits`].
    pub fn builder(&self) -> Result<Builder, BuildError> {
        let limits = browser_limits();
        let mut names = Names::default();
        let (generator, workload_ops) = match &self.workload {
            None => (None, 0),
            Some(w) => {
                let mix = Mix::by_name(&w.mix)
                    .ok_or_else(|| BuildError::Text(format!("unknown workload mix `{}`", w.mix)))?;
                (Some(Generator::new(&self.config, w.seed, mix, &mut names)), w.count.min(MAX_WORKLOAD))
            }
        };
        let at = |e: LimitError| {
            BuildError::Script(ScriptError { line: 1, col: 1, kind: ScriptErrorKind::Limit(e), suggestion: None })
        };
        limits.check(Limit::ScriptBytes, self.script.len() as u64).map_err(at)?;
        let session = Session::with_names(self.config.clone(), names).map_err(|e| BuildError::Text(e.to_string()))?;
        Ok(Builder {
            doc: self.clone(),
            purpose: Purpose::Sandbox,
            session,
            generator,
            workload_ops,
            workload_run: 0,
            ops: Vec::new(),
            next: 0,
            parsed: if self.script.is_empty() { None } else { Some(0) },
            lines_parsed: 0,
            line_map: None,
            limits,
        })
    }

    /// The whole session as a runnable `.ops` file: config line, the workload's ops spelled out,
    /// then the script.
    pub fn export(&self, session: &Session) -> String {
        let mut out = String::new();
        let cfg = script::config_text(&self.config);
        if !cfg.is_empty() {
            out.push_str(&format!("config {cfg}\n"));
        }
        if let Some(w) = &self.workload {
            out.push_str(&format!("# workload seed={} count={} mix={}\n", w.seed, w.count, w.mix));
            for k in 0..w.count.min(session.op_count()) {
                if let Some(op) = session.op(k) {
                    out.push_str(&op.to_script(session.names()));
                    out.push('\n');
                }
            }
        }
        out.push_str(&self.script);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    /// A document from an uploaded `.ops` file, built in chunks like any other ([`Builder`]);
    /// its `config` lines become the configuration and errors point into the file (`line:col`).
    pub fn from_ops_file(text: &str) -> Result<Builder, BuildError> {
        let limits = browser_limits();
        let located = |line: u32, col: u32, kind| BuildError::Script(ScriptError { line, col, kind, suggestion: None });
        limits.check(Limit::ScriptBytes, text.len() as u64).map_err(|e| located(1, 1, ScriptErrorKind::Limit(e)))?;
        let mut settings = Vec::new();
        let mut script = String::new();
        let mut line_map = Vec::new();
        let mut seen_op = false;
        for (i, l) in text.lines().enumerate() {
            let line = i as u32 + 1;
            let trimmed = l.trim_start();
            if trimmed.starts_with("config ") || trimmed == "config" {
                if seen_op {
                    return Err(located(line, 1, ScriptErrorKind::ConfigAfterOps));
                }
                // One `config` line alone, then placed back on its line of the file.
                let prog = script::parse(l, &mut Names::default())
                    .map_err(|e| BuildError::Script(ScriptError { line, ..e }))?;
                if !prog.ops.is_empty() {
                    let kind = ScriptErrorKind::Expected {
                        expected: "only settings on a `config` line".into(),
                        found: "an operation".into(),
                    };
                    return Err(located(line, 1, kind));
                }
                settings.extend(prog.settings.into_iter().map(|s| script::Setting { line, ..s }));
            } else {
                seen_op |= !trimmed.is_empty() && !trimmed.starts_with('#');
                script.push_str(l);
                script.push('\n');
                line_map.push(line);
            }
        }
        let program = script::Program { settings, ..Default::default() };
        let config = program.apply_config(&MachineConfig::default()).map_err(BuildError::Script)?;
        let doc = Doc { config, workload: None, script };
        let mut b = doc.builder()?;
        b.line_map = Some(line_map);
        Ok(b)
    }

    /// URL parameters (`cfg`, `wl`, `s`), empty for the demo document.
    fn url_params(&self) -> Vec<(&'static str, String)> {
        if *self == Doc::demo() {
            return Vec::new();
        }
        let mut out = vec![("cfg", script::config_text(&self.config).replace(' ', ","))];
        if let Some(w) = &self.workload {
            out.push(("wl", format!("{},{},{}", w.seed, w.count, w.mix)));
        }
        if !self.script.is_empty() {
            out.push(("s", encode_script(&self.script)));
        }
        out
    }
}

/// The document's part of the URL: `&cfg=..[&wl=..][&s=..]`, empty for the demo.
pub fn doc_params(doc: &Doc) -> String {
    doc.url_params().into_iter().map(|(k, v)| format!("&{k}={}", percent_encode(&v))).collect()
}

/// The URL hash for a view: `#mode=M[&cfg=..][&wl=..][&s=..]&step=N` (`params` from [`doc_params`]).
pub fn url_hash(mode: Mode, params: &str, step: u64) -> String {
    format!("#mode={}{params}&step={step}", mode.code())
}

/// The budgets the browser builds documents under: the core's defaults, with fewer ops (the
/// page holds every op and its checkpoints in WebAssembly memory) and the `s=` size.
pub fn browser_limits() -> Limits {
    Limits { max_ops: MAX_WORKLOAD as u64, max_script_bytes: 16 << 20, ..Limits::default() }
}

/// Why a document could not be built (nothing changed). Shown through [`crate::errors`].
#[derive(Clone, Debug, PartialEq)]
pub enum BuildError {
    /// A located script error (parse, limit, or an op that failed at its line).
    Script(ScriptError),
    /// Workload op `op` (1-based) failed.
    Workload { op: usize, error: OpError },
    /// Anything else (an unknown mix, a machine that does not boot).
    Text(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Script(e) => write!(f, "{e}"),
            BuildError::Workload { op, error } => write!(f, "workload op {op}: {error}"),
            BuildError::Text(s) => f.write_str(s),
        }
    }
}

/// What a build is for: where it goes when it is done, and where its error is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The sandbox panel (a workload, a configuration): shown at its end.
    Sandbox,
    /// The address's document (`cfg`/`wl`/`s`), shown at `step` (or its end).
    Url { step: Option<u64> },
    /// An uploaded file: shown at its start.
    Upload { name: String },
}

impl Purpose {
    /// The step the built session opens at.
    pub fn at(&self) -> u64 {
        match self {
            Purpose::Sandbox => u64::MAX,
            Purpose::Url { step } => step.unwrap_or(u64::MAX),
            Purpose::Upload { .. } => 0,
        }
    }
}

/// Lines of script parsed per chunk (a top-level statement is never cut).
const PARSE_CHUNK_LINES: usize = 4000;

/// A document being built chunk by chunk (see [`Doc::builder`]): first its script is parsed a
/// piece at a time (cut between top-level statements), then its ops run. Each [`Builder::step`]
/// is one bounded piece of work, so the page answers input and repaints the progress in between.
pub struct Builder {
    doc: Doc,
    /// Where the result goes.
    pub purpose: Purpose,
    session: Session,
    /// The seeded workload's ops, made a chunk at a time: they run first.
    generator: Option<Generator>,
    /// The workload's length, and how many of its ops ran.
    workload_ops: usize,
    workload_run: usize,
    /// The script's ops with their lines; `next` of them ran.
    ops: Vec<(Op, u32)>,
    next: usize,
    /// Byte offset of the script not parsed yet (`None`: all parsed).
    parsed: Option<usize>,
    /// Script lines before `parsed`.
    lines_parsed: u32,
    /// Script line → line of the uploaded file (its `config` lines were taken out).
    line_map: Option<Vec<u32>>,
    limits: Limits,
}

/// The end of the piece of `text` to parse next: after about `lines` lines, at a line end where no
/// `repeat` block is open (braces in `#` comments do not count), or the end of the text.
fn piece_end(text: &str, lines: usize) -> usize {
    let (mut depth, mut count, mut comment) = (0i64, 0usize, false);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\n' => {
                comment = false;
                count += 1;
                if depth <= 0 && count >= lines {
                    return i + 1;
                }
            }
            b'#' => comment = true,
            b'{' if !comment => depth += 1,
            b'}' if !comment => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

impl Builder {
    /// One piece of work: parse the next piece of the script, or generate and run up to `n`
    /// more workload ops, or run up to `n` more script ops; `Ok(true)` once all ran. Errors are
    /// located (the workload op's number, or the script's line and column); the caller keeps its
    /// old session on error.
    pub fn step(&mut self, n: usize) -> Result<bool, BuildError> {
        if let Some(from) = self.parsed {
            self.parse_piece(from).map_err(|e| self.locate(e))?;
            return Ok(false);
        }
        if let Some(g) = self.generator.as_mut().filter(|_| self.workload_run < self.workload_ops) {
            let k = n.min(self.workload_ops - self.workload_run);
            for op in g.by_ref().take(k) {
                self.workload_run += 1;
                self.session.push(op, 0).map_err(|error| BuildError::Workload { op: self.workload_run, error })?;
            }
            return Ok(self.workload_run == self.workload_ops && self.ops.is_empty());
        }
        let end = self.next.saturating_add(n).min(self.ops.len());
        for i in self.next..end {
            let (op, line) = self.ops[i];
            self.session.push(op, line).map_err(|error| self.locate(script::op_error(line, error)))?;
        }
        self.next = end;
        Ok(self.next == self.ops.len())
    }

    fn parse_piece(&mut self, from: usize) -> Result<(), ScriptError> {
        let text = &self.doc.script[from..];
        let end = piece_end(text, PARSE_CHUNK_LINES);
        let piece = &text[..end];
        let script_ops = self.ops.len() as u64;
        let limits = Limits { max_ops: self.limits.max_ops.saturating_sub(script_ops), ..self.limits };
        let base = self.lines_parsed;
        let prog = script::parse_with(piece, self.session.names_mut(), &limits).map_err(|mut e| {
            e.line += base;
            if let ScriptErrorKind::Limit(l) = &mut e.kind {
                if l.limit == Limit::Ops {
                    *l = LimitError { value: l.value.saturating_add(script_ops), max: self.limits.max_ops, ..*l };
                }
            }
            e
        })?;
        if let Some(s) = prog.settings.first() {
            return Err(ScriptError {
                line: s.line + base,
                col: s.col,
                kind: ScriptErrorKind::Expected {
                    expected: "an operation (`config` lines are not allowed here: use the configuration panel)".into(),
                    found: "`config`".into(),
                },
                suggestion: None,
            });
        }
        self.ops.extend(prog.ops.into_iter().zip(prog.lines.into_iter().map(|l| l + base)));
        self.lines_parsed += piece.bytes().filter(|&b| b == b'\n').count() as u32;
        self.parsed = Some(from + end).filter(|&p| p < self.doc.script.len());
        if self.parsed.is_none() {
            let all_ops = (self.workload_ops + self.ops.len()) as u64;
            let bytes = all_ops.saturating_mul(slabscope_core::limits::SESSION_BYTES_PER_OP);
            self.limits.check(Limit::SessionBytes, bytes).map_err(|e| ScriptError {
                line: 1,
                col: 1,
                kind: ScriptErrorKind::Limit(e),
                suggestion: None,
            })?;
        }
        Ok(())
    }

    /// A script error placed on its line of the uploaded file.
    fn locate(&self, mut e: ScriptError) -> BuildError {
        if let Some(map) = &self.line_map {
            if let Some(&l) = e.line.checked_sub(1).and_then(|i| map.get(i as usize)) {
                e.line = l;
            }
        }
        BuildError::Script(e)
    }

    /// (work done, work in all): bytes parsed while parsing, then ops run.
    pub fn progress(&self) -> (usize, usize) {
        match self.parsed {
            Some(p) => (p, self.doc.script.len()),
            None => (self.workload_run + self.next, self.workload_ops + self.ops.len()),
        }
    }
    /// The document and its session.
    pub fn finish(self) -> (Doc, Session) {
        (self.doc, self.session)
    }
}

/// What the URL asks for. Fields are `None` when absent or invalid; `errors` say why (located).
#[derive(Default)]
pub struct UrlState {
    pub mode: Option<Mode>,
    /// The document, to be built chunk by chunk ([`Builder`], purpose [`Purpose::Url`]).
    pub doc: Option<Builder>,
    pub step: Option<u64>,
    pub errors: Vec<String>,
}

/// Read the query string and the hash (hash parameters win).
pub fn read_url(search: &str, hash: &str) -> UrlState {
    let mut params: Vec<(String, String)> = Vec::new();
    for part in [search.trim_start_matches('?'), hash.trim_start_matches('#')] {
        for kv in part.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = percent_decode(v);
            params.retain(|p| p.0 != k);
            params.push((k.to_string(), v));
        }
    }
    let get = |k: &str| params.iter().find(|p| p.0 == k).map(|p| p.1.as_str());
    let mut st = UrlState::default();
    if let Some(m) = get("mode") {
        match Mode::from_code(m) {
            Some(m) => st.mode = Some(m),
            None => st.errors.push(format!("mode=`{m}`: expected one of {}", Mode::ALL.map(Mode::code).join(", "))),
        }
    }
    if let Some(s) = get("step") {
        match s.parse() {
            Ok(n) => st.step = Some(n),
            Err(_) => st.errors.push(format!("step=`{s}`: expected a step number")),
        }
    }
    if get("cfg").is_some() || get("wl").is_some() || get("s").is_some() {
        let step = st.step;
        let doc = (|| -> Result<Builder, String> {
            let config = config_from_settings(get("cfg").unwrap_or("")).map_err(|e| format!("cfg: {e}"))?;
            let workload = match get("wl") {
                None => None,
                Some(w) => Some(parse_workload_param(w).map_err(|e| format!("wl=`{w}`: {e}"))?),
            };
            let script = match get("s") {
                None => String::new(),
                Some(s) => decode_script(s).map_err(|e| format!("s: {e}"))?,
            };
            let doc = Doc { config, workload, script };
            let mut b = doc.builder().map_err(|e| format!("s: {e}"))?;
            b.purpose = Purpose::Url { step };
            Ok(b)
        })();
        match doc {
            Ok(d) => st.doc = Some(d),
            Err(e) => st.errors.push(e),
        }
    }
    st
}

pub fn parse_workload_param(w: &str) -> Result<Workload, String> {
    let f: Vec<&str> = w.split(',').collect();
    let [seed, count, mix] = f[..] else { return Err("expected SEED,COUNT,MIX".into()) };
    let seed = script::parse_num(seed).ok_or("the seed is not a number")?;
    let count = script::parse_num(count)
        .filter(|&n| n as usize <= MAX_WORKLOAD)
        .ok_or(format!("the count must be a number up to {MAX_WORKLOAD}"))? as usize;
    Mix::by_name(mix).ok_or(format!("unknown mix `{mix}`: expected pages, slab, superslab or mixed"))?;
    Ok(Workload { seed, count, mix: mix.to_string() })
}

/// Script text → raw deflate ([`crate::deflate`]: fixed codes) → base64url (no padding).
pub fn encode_script(text: &str) -> String {
    base64url_encode(&crate::deflate::deflate(text.as_bytes()))
}

/// The inverse of [`encode_script`], with a message on bad input.
pub fn decode_script(s: &str) -> Result<String, String> {
    let bytes = base64url_decode(s).ok_or("not base64url")?;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&bytes[..])
        .take(16 << 20)
        .read_to_string(&mut out)
        .map_err(|e| format!("not a compressed script ({e})"))?;
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b'=' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_and_script_round_trip() {
        for n in 0..10 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 5) as u8).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)).unwrap(), bytes);
        }
        let text = "kmalloc 64 as=x\nrepeat 3 { pages alloc order=0 as=p[] }\n# ✓ comment\n";
        assert_eq!(decode_script(&encode_script(text)).unwrap(), text);
        assert!(decode_script("!!").is_err());
        assert!(decode_script("AAAA").is_err());
    }

    #[test]
    fn url_round_trip_and_located_errors() {
        let doc = Doc {
            config: config_from_settings("mem=1M slab=slab cpus=2").unwrap(),
            workload: Some(Workload { seed: 7, count: 50, mix: "mixed".into() }),
            script: "kmalloc 64 as=x\nkfree x\n".into(),
        };
        let hash = url_hash(Mode::Trace, &doc_params(&doc), 12);
        let st = read_url("", &hash);
        assert_eq!(st.errors, Vec::<String>::new());
        assert_eq!((st.mode, st.step), (Some(Mode::Trace), Some(12)));
        let b = st.doc.unwrap();
        assert_eq!((&b.doc, &b.purpose), (&doc, &Purpose::Url { step: Some(12) }));
        assert_eq!(url_hash(Mode::Sandbox, &doc_params(&Doc::demo()), 3), "#mode=sandbox&step=3");
        let st = read_url("?mode=bogus", "#cfg=mem=abc&step=x");
        assert_eq!(st.mode, None);
        assert!(st.doc.is_none());
        assert!(st.errors.iter().any(|e| e.contains("mode=`bogus`")), "{:?}", st.errors);
        assert!(st.errors.iter().any(|e| e.contains("setting 1 `mem=abc`")), "{:?}", st.errors);
        // The script is parsed when it is built (in chunks): the error is located there.
        let bad = encode_script("kmalloc 64 as=x\npages alloc ordr=1 as=y\n");
        let st = read_url("", &format!("#s={bad}"));
        let e = st.doc.unwrap().doc.build().unwrap_err();
        assert!(e.to_string().starts_with("2:13:"), "{e}");
    }

    /// A large script is parsed a piece at a time, never cutting a `repeat` block, with the same
    /// ops and lines as one parse; errors keep their line; the op budget counts every piece.
    #[test]
    fn large_scripts_build_in_pieces() {
        let mut script = String::from("# a comment with a brace {\n");
        for i in 0..5000 {
            script.push_str(&format!("kmalloc {} as=a{i}\n", 8 + i % 100));
            if i % 1000 == 0 {
                script.push_str("repeat 2 {\n  kmalloc 16 as=R[]\n}\n");
            }
        }
        let doc = Doc { config: config_from_settings("mem=64M").unwrap(), workload: None, script: script.clone() };
        let mut b = doc.builder().unwrap();
        let mut steps = 0;
        while !b.step(BUILD_CHUNK_TEST).unwrap() {
            steps += 1;
        }
        assert!(steps > 3, "parsed and run in several steps ({steps})");
        let (_, s) = b.finish();
        let whole = script::load(&script, &doc.config, &[]).unwrap();
        assert_eq!(s.op_count(), whole.op_count());
        assert_eq!(s.event_hash(), whole.event_hash());
        assert_eq!(
            (0..s.op_count()).map(|k| s.op_line(k)).collect::<Vec<_>>(),
            (0..whole.op_count()).map(|k| whole.op_line(k)).collect::<Vec<_>>()
        );
        // An error in the last piece keeps its line.
        let bad = Doc { script: format!("{script}kmalloc 0 as=zz\n"), ..doc.clone() };
        let e = bad.build().unwrap_err();
        assert!(e.to_string().starts_with(&format!("{}:", script.lines().count() + 1)), "{e}");
        // Over the op budget across pieces: the total and the browser's limit.
        let over = Doc { script: "repeat 600000 { shrink }\n".repeat(2), ..doc };
        match over.build().unwrap_err() {
            BuildError::Script(ScriptError { kind: ScriptErrorKind::Limit(l), .. }) => {
                assert_eq!((l.limit, l.max), (Limit::Ops, MAX_WORKLOAD as u64));
                assert!(l.value > MAX_WORKLOAD as u64, "{l}");
            }
            other => panic!("{other}"),
        }
    }

    const BUILD_CHUNK_TEST: usize = 2000;

    /// #14: a workload is generated a chunk at a time while it builds (no one-shot op list), and
    /// the session is the one the one-shot generator and the script make.
    #[test]
    fn workloads_are_generated_in_chunks_with_the_one_shot_ops() {
        let config = config_from_settings("mem=64M").unwrap();
        for (seed, mix) in [(1u64, "mixed"), (9, "slab"), (3, "pages")] {
            let doc = Doc {
                config: config.clone(),
                workload: Some(Workload { seed, count: 12_345, mix: mix.into() }),
                script: "kmalloc 64 as=x\nkfree x\n".into(),
            };
            let mut b = doc.builder().unwrap();
            assert!(!b.step(1000).unwrap(), "the script is parsed first");
            assert_eq!(b.progress(), (0, 12_347), "no workload op ran yet");
            let mut steps = 0;
            while !b.step(1000).unwrap() {
                steps += 1;
                let (done, all) = b.progress();
                assert!(done <= all && done <= 1000 * steps, "{done}/{all} after {steps} steps");
            }
            assert!(steps >= 12, "{steps} steps");
            let (_, s) = b.finish();
            let mut names = Names::default();
            let ops = slabscope_core::workload::workload(&config, seed, 12_345, Mix::by_name(mix).unwrap(), &mut names);
            let mut want = Session::with_names(config.clone(), names).unwrap();
            for op in ops {
                want.push(op, 0).unwrap();
            }
            let prog = script::parse("kmalloc 64 as=x\nkfree x\n", want.names_mut()).unwrap();
            for (op, line) in prog.ops.into_iter().zip(prog.lines) {
                want.push(op, line).unwrap();
            }
            assert_eq!(s.op_count(), 12_347);
            assert_eq!(s.event_hash(), want.event_hash(), "seed {seed} {mix}");
            assert_eq!(s.op_line(12_346), want.op_line(12_346));
        }
    }

    /// Keys the views build from names have catalogue entries.
    #[test]
    fn composed_catalogue_keys_exist() {
        use crate::i18n::{t, Lang};
        let keys = Mode::ALL
            .iter()
            .map(|m| format!("ui.mode.{}", m.code()))
            .chain(Mix::PRESETS.iter().map(|p| format!("ui.mix.{}", p.0)))
            .chain(["slub", "sheaves", "slab", "aether"].iter().map(|p| format!("ui.cfg.slab.{p}")))
            .chain(crate::views::memory_map::CATEGORIES.iter().map(|c| c.1.to_string()));
        for key in keys {
            for lang in [Lang::En, Lang::Ja] {
                assert_ne!(t(lang, &key), key, "missing {key}");
            }
        }
    }

    #[test]
    fn export_runs_back_to_the_same_session() {
        let doc = Doc {
            config: config_from_settings("mem=4M pcp=on").unwrap(),
            workload: Some(Workload { seed: 1, count: 40, mix: "mixed".into() }),
            script: "kmalloc 64 as=x\n".into(),
        };
        let s = doc.build().unwrap();
        let text = doc.export(&s);
        let upload = |text: &str| -> Result<(Doc, Session), BuildError> {
            let mut b = Doc::from_ops_file(text)?;
            while !b.step(BUILD_CHUNK_TEST)? {}
            Ok(b.finish())
        };
        let (back, s2) = upload(&text).unwrap();
        assert_eq!(back.config, doc.config);
        assert_eq!(s2.total_steps(), s.total_steps());
        // Errors point into the file, its `config` lines counted.
        let err = upload("config mem=1M\npages alloc order=0 as=a\npages free b\n").unwrap_err();
        assert!(err.to_string().starts_with("3:"), "{err}");
        let err = upload("# c\nconfig mem=1M\n\nconfig slab=sulb\nkmalloc 8 as=a\n").unwrap_err();
        assert!(err.to_string().starts_with("4:8:"), "{err}");
        let err = upload("kmalloc 8 as=a\nconfig mem=1M\n").unwrap_err();
        assert!(err.to_string().starts_with("2:1: `config` lines must come before"), "{err}");
    }
}
