//! Parsed trace lines in a compact binary form (s11-trace, issue 18 item 3): a web worker splits
//! and parses the file ([`Encoder`]: the same line framing and the same [`super::read_line`] as
//! [`Loader::feed`]) and posts batches as transferable `ArrayBuffer`s; the page replays them
//! ([`Loader::feed_wire`], a few records at a time) without parsing text. The result is the
//! trace [`Loader::feed`] gives for the same bytes: the same events, the same malformed lines
//! (a bad line travels as its bytes and is read again by the loader, so its reason and number
//! are the loader's), the same over-budget refusal at the same line.
//!
//! A batch: `b'W'`, the text bytes fed so far (u64 LE) and the complete lines so far (u32 LE),
//! then records, each a tag byte and its fields (numbers LEB128 varints, the pointer u64 LE):
//!
//! | tag | record |
//! |---|---|
//! | 0 | event: line, kind (index in [`Kind::ALL`]), comm, pid, cpu, ts_ns, call_site, ptr, cache, bytes_req, bytes_alloc, gfp, node (zigzag), order |
//! | 1 | malformed line: line, byte length, the bytes |
//! | 2 | line over the length limit: line |
//!
//! Strings are interned over the whole stream: a reference is `0` (none) or `id + 1`; the id
//! one past the table's end brings the string (length, UTF-8 bytes) and adds it.

use std::collections::HashMap;
use std::fmt;

use super::{read_line, Kind, Loader, MalformedReason, RawEvent, TraceError};

/// First byte of a batch.
const MAGIC: u8 = b'W';
/// Bytes of a batch's header.
pub const HEADER_LEN: usize = 13;

const TAG_EVENT: u8 = 0;
const TAG_BAD: u8 = 1;
const TAG_OVERLONG: u8 = 2;

/// What a batch's header says: how far the text went when it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Text bytes fed to the encoder so far.
    pub bytes: u64,
    /// Complete lines so far.
    pub lines: u32,
}

/// One record: what a line said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// A kmem event.
    Event(RawEvent<'a>),
    /// A malformed line's bytes (without the newline).
    Bad(&'a [u8]),
    /// A line over the length limit.
    Overlong,
}

/// Why a batch cannot be read, located by its byte offset in the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset in the batch.
    pub offset: usize,
    /// What is wrong there.
    pub kind: WireErrorKind,
}

/// What is wrong in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireErrorKind {
    /// The first byte is not a batch's.
    BadMagic(u8),
    /// The batch ends inside a header or record.
    Truncated,
    /// An unknown record tag.
    BadTag(u8),
    /// An unknown event kind.
    BadKind(u8),
    /// A string reference past the table (and not the next new string).
    BadString(u64),
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// A varint over its type's range.
    Overflow,
    /// An event without a task name.
    NoComm,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trace batch, byte {}: ", self.offset)?;
        match &self.kind {
            WireErrorKind::BadMagic(b) => write!(f, "not a batch (first byte {b:#04x})"),
            WireErrorKind::Truncated => write!(f, "ends inside a record"),
            WireErrorKind::BadTag(t) => write!(f, "unknown record tag {t}"),
            WireErrorKind::BadKind(k) => write!(f, "unknown event kind {k}"),
            WireErrorKind::BadString(id) => write!(f, "string reference {id} past the table"),
            WireErrorKind::InvalidUtf8 => write!(f, "a string is not UTF-8"),
            WireErrorKind::Overflow => write!(f, "a number out of range"),
            WireErrorKind::NoComm => write!(f, "an event without a task name"),
        }
    }
}

impl std::error::Error for WireError {}

/// Why [`Loader::feed_wire`] stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedError {
    /// The batch is not readable.
    Wire(WireError),
    /// The load stopped (over budget, too many lines): as [`Loader::feed`] would.
    Trace(TraceError),
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedError::Wire(e) => e.fmt(f),
            FeedError::Trace(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FeedError {}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Trace text in (chunks of any size), batches of records out.
#[derive(Debug)]
pub struct Encoder {
    max_line_bytes: usize,
    partial: Vec<u8>,
    overlong: bool,
    line: u32,
    bytes: u64,
    strings: HashMap<Box<str>, u64>,
    out: Vec<u8>,
}

impl Encoder {
    /// An encoder framing lines as a [`Loader`] with this `max_line_bytes` does.
    pub fn new(max_line_bytes: usize) -> Encoder {
        let mut e = Encoder {
            max_line_bytes,
            partial: Vec::new(),
            overlong: false,
            line: 0,
            bytes: 0,
            strings: HashMap::new(),
            out: Vec::new(),
        };
        e.start_batch();
        e
    }

    fn start_batch(&mut self) {
        self.out.clear();
        self.out.push(MAGIC);
        self.out.extend_from_slice(&[0; HEADER_LEN - 1]);
    }

    /// Feed the next chunk of text (split anywhere).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.bytes += chunk.len() as u64;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', chunk) {
            let head = &chunk[start..nl];
            start = nl + 1;
            if self.partial.is_empty() && !self.overlong && head.len() <= self.max_line_bytes {
                self.line_done(head)?;
            } else {
                self.extend_partial(head);
                let buf = std::mem::take(&mut self.partial);
                let r = self.line_done(&buf);
                self.partial = buf;
                self.partial.clear();
                r?;
            }
        }
        self.extend_partial(&chunk[start..]);
        Ok(())
    }

    /// The end of the text: its last line (without a final newline), as [`Loader::finish`].
    pub fn finish(&mut self) -> Result<(), TraceError> {
        if !self.partial.is_empty() || self.overlong {
            let buf = std::mem::take(&mut self.partial);
            self.line_done(&buf)?;
        }
        Ok(())
    }

    fn extend_partial(&mut self, bytes: &[u8]) {
        if self.overlong || self.partial.len() + bytes.len() > self.max_line_bytes {
            self.overlong = true;
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn line_done(&mut self, bytes: &[u8]) -> Result<(), TraceError> {
        self.line = self.line.checked_add(1).ok_or(TraceError::TooManyLines)?;
        let overlong = std::mem::take(&mut self.overlong);
        match read_line(bytes, overlong, self.max_line_bytes) {
            Ok(None) => {}
            Ok(Some(ev)) => self.event(&ev),
            Err(MalformedReason::LineTooLong { .. }) => {
                self.out.push(TAG_OVERLONG);
                put_varint(&mut self.out, u64::from(self.line));
            }
            Err(_) => {
                self.out.push(TAG_BAD);
                put_varint(&mut self.out, u64::from(self.line));
                put_varint(&mut self.out, bytes.len() as u64);
                self.out.extend_from_slice(bytes);
            }
        }
        Ok(())
    }

    fn string(&mut self, s: Option<&str>) {
        let Some(s) = s else {
            self.out.push(0);
            return;
        };
        if let Some(&id) = self.strings.get(s) {
            put_varint(&mut self.out, id + 1);
            return;
        }
        let id = self.strings.len() as u64;
        self.strings.insert(s.into(), id);
        put_varint(&mut self.out, id + 1);
        put_varint(&mut self.out, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn event(&mut self, ev: &RawEvent<'_>) {
        self.out.push(TAG_EVENT);
        put_varint(&mut self.out, u64::from(self.line));
        self.out.push(ev.kind as u8);
        self.string(Some(ev.comm));
        put_varint(&mut self.out, u64::from(ev.pid));
        put_varint(&mut self.out, u64::from(ev.cpu));
        put_varint(&mut self.out, ev.ts_ns);
        self.string(ev.call_site);
        self.out.extend_from_slice(&ev.ptr.to_le_bytes());
        self.string(ev.cache);
        put_varint(&mut self.out, u64::from(ev.bytes_req));
        put_varint(&mut self.out, u64::from(ev.bytes_alloc));
        self.string(ev.gfp);
        let node = i64::from(ev.node);
        put_varint(&mut self.out, ((node << 1) ^ (node >> 63)) as u64);
        self.out.push(ev.order);
    }

    /// Bytes of records waiting for the next batch.
    pub fn pending(&self) -> usize {
        self.out.len() - HEADER_LEN
    }

    /// The records so far as one batch (its header says how far the text went); the next
    /// batch starts empty.
    pub fn take_batch(&mut self) -> Vec<u8> {
        self.out[1..9].copy_from_slice(&self.bytes.to_le_bytes());
        self.out[9..13].copy_from_slice(&self.line.to_le_bytes());
        let batch = std::mem::take(&mut self.out);
        self.start_batch();
        batch
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// The header of `batch`.
pub fn header(batch: &[u8]) -> Result<Header, WireError> {
    let Some(&first) = batch.first() else {
        return Err(WireError { offset: 0, kind: WireErrorKind::Truncated });
    };
    if first != MAGIC {
        return Err(WireError { offset: 0, kind: WireErrorKind::BadMagic(first) });
    }
    let Some(h) = batch.get(1..HEADER_LEN) else {
        return Err(WireError { offset: batch.len(), kind: WireErrorKind::Truncated });
    };
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    let mut l = [0u8; 4];
    l.copy_from_slice(&h[8..12]);
    Ok(Header { bytes: u64::from_le_bytes(b), lines: u32::from_le_bytes(l) })
}

/// A reader over one batch.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, kind: WireErrorKind) -> WireError {
        WireError { offset: self.at, kind }
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let b = *self.buf.get(self.at).ok_or_else(|| self.err(WireErrorKind::Truncated))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let start = self.at;
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(WireError { offset: start, kind: WireErrorKind::Overflow });
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(WireError { offset: start, kind: WireErrorKind::Overflow })
    }

    fn small<T: TryFrom<u64>>(&mut self) -> Result<T, WireError> {
        let start = self.at;
        T::try_from(self.varint()?).map_err(|_| WireError { offset: start, kind: WireErrorKind::Overflow })
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(WireError { offset: self.buf.len(), kind: WireErrorKind::Truncated })?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u64_le(&mut self) -> Result<u64, WireError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.bytes(8)?);
        Ok(u64::from_le_bytes(b))
    }
}

/// The string table of a stream being decoded (batches in the order they were made).
#[derive(Debug, Default)]
pub struct Decoder {
    strings: Vec<Box<str>>,
}

/// A string reference read: none, or an index into the table.
type StrRef = Option<usize>;

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    fn string(&mut self, r: &mut Reader<'_>) -> Result<StrRef, WireError> {
        let start = r.at;
        let v = r.varint()?;
        let Some(id) = v.checked_sub(1) else { return Ok(None) };
        let len = self.strings.len() as u64;
        if id < len {
            return Ok(Some(id as usize));
        }
        if id > len {
            return Err(WireError { offset: start, kind: WireErrorKind::BadString(v) });
        }
        let n: usize = r.small()?;
        let at = r.at;
        let s =
            std::str::from_utf8(r.bytes(n)?).map_err(|_| WireError { offset: at, kind: WireErrorKind::InvalidUtf8 })?;
        self.strings.push(s.into());
        Ok(Some(id as usize))
    }

    /// Decode the records of `batch` from byte `*at` (0: the start; the header is skipped), at
    /// most `max`, calling `each(line, record)`; `*at` moves past them. True when the batch
    /// is done. An error of `each` stops the decoding and is returned.
    pub fn decode<E>(
        &mut self,
        batch: &[u8],
        at: &mut usize,
        max: usize,
        mut each: impl FnMut(u32, Record<'_>) -> Result<(), E>,
    ) -> Result<bool, DecodeError<E>> {
        if *at < HEADER_LEN {
            header(batch).map_err(DecodeError::Wire)?;
            *at = HEADER_LEN;
        }
        let mut r = Reader { buf: batch, at: *at };
        for _ in 0..max {
            if r.at >= batch.len() {
                break;
            }
            let tag_at = r.at;
            let tag = r.byte().map_err(DecodeError::Wire)?;
            let (line, record) = match tag {
                TAG_EVENT => self.event(&mut r).map_err(DecodeError::Wire)?,
                TAG_BAD => {
                    let line = r.small().map_err(DecodeError::Wire)?;
                    let n = r.small().map_err(DecodeError::Wire)?;
                    (line, Record::Bad(r.bytes(n).map_err(DecodeError::Wire)?))
                }
                TAG_OVERLONG => (r.small().map_err(DecodeError::Wire)?, Record::Overlong),
                t => return Err(DecodeError::Wire(WireError { offset: tag_at, kind: WireErrorKind::BadTag(t) })),
            };
            each(line, record).map_err(DecodeError::Each)?;
            *at = r.at;
        }
        *at = r.at;
        Ok(r.at >= batch.len())
    }

    fn event<'s>(&'s mut self, r: &mut Reader<'_>) -> Result<(u32, Record<'s>), WireError> {
        let line = r.small()?;
        let kind_at = r.at;
        let k = r.byte()?;
        let kind =
            *Kind::ALL.get(usize::from(k)).ok_or(WireError { offset: kind_at, kind: WireErrorKind::BadKind(k) })?;
        let comm_at = r.at;
        let comm = self.string(r)?.ok_or(WireError { offset: comm_at, kind: WireErrorKind::NoComm })?;
        let pid = r.small()?;
        let cpu = r.small()?;
        let ts_ns = r.varint()?;
        let call_site = self.string(r)?;
        let ptr = r.u64_le()?;
        let cache = self.string(r)?;
        let bytes_req = r.small()?;
        let bytes_alloc = r.small()?;
        let gfp = self.string(r)?;
        let node_at = r.at;
        let z = r.varint()?;
        let node = i32::try_from(((z >> 1) as i64) ^ -((z & 1) as i64))
            .map_err(|_| WireError { offset: node_at, kind: WireErrorKind::Overflow })?;
        let order = r.byte()?;
        let s = &self.strings;
        let get = |i: StrRef| i.map(|i| &*s[i]);
        let ev = RawEvent {
            comm: &s[comm],
            pid,
            cpu,
            ts_ns,
            kind,
            call_site: get(call_site),
            ptr,
            cache: get(cache),
            bytes_req,
            bytes_alloc,
            gfp: get(gfp),
            node,
            order,
        };
        Ok((line, Record::Event(ev)))
    }
}

/// Why [`Decoder::decode`] stopped: the batch, or the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError<E> {
    /// The batch is not readable.
    Wire(WireError),
    /// The callback's error.
    Each(E),
}

impl Loader {
    /// Replay up to `max` records of `batch` from byte `*at` (0 at first; [`Decoder::decode`]),
    /// as [`Loader::feed`] would replay the lines they came from; once the batch is done its
    /// header's bytes and lines are taken (`Ok(true)`). After an error every later call
    /// returns it again.
    pub fn feed_wire(
        &mut self,
        dec: &mut Decoder,
        batch: &[u8],
        at: &mut usize,
        max: usize,
    ) -> Result<bool, FeedError> {
        if let Some(e) = &self.error {
            return Err(FeedError::Trace(e.clone()));
        }
        let max_line = self.limits.max_line_bytes;
        let r = dec.decode(batch, at, max, |line, rec| {
            self.line = line;
            let read = match rec {
                Record::Event(ev) => Ok(Some(ev)),
                Record::Bad(bytes) => read_line(bytes, false, max_line),
                Record::Overlong => Err(MalformedReason::LineTooLong { max: max_line }),
            };
            self.accept(line, read)
        });
        let done = match r {
            Ok(done) => done,
            Err(DecodeError::Wire(e)) => return Err(FeedError::Wire(e)),
            Err(DecodeError::Each(e)) => {
                self.error = Some(e.clone());
                return Err(FeedError::Trace(e));
            }
        };
        if done {
            let h = header(batch).map_err(FeedError::Wire)?;
            (self.line, self.bytes) = (h.lines, h.bytes);
            self.accept(h.lines, Ok(None)).map_err(FeedError::Trace)?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_line, Boot, Limits, TraceSession};
    use super::*;
    use crate::machine::MachineConfig;

    const FIXTURE: &str = include_str!("../../tests/data/kmem-ls-sort-2000.perf.txt");

    fn encode(text: &[u8], piece: usize, batch: usize, max_line: usize) -> Vec<Vec<u8>> {
        let mut e = Encoder::new(max_line);
        let mut out = Vec::new();
        for c in text.chunks(piece.max(1)) {
            e.feed(c).unwrap();
            if e.pending() >= batch {
                out.push(e.take_batch());
            }
        }
        e.finish().unwrap();
        out.push(e.take_batch());
        out
    }

    /// A text with the fixture's lines and malformed, overlong, non-UTF-8, CRLF and foreign ones.
    fn mixed() -> Vec<u8> {
        let mut t = FIXTURE.lines().take(300).collect::<Vec<_>>().join("\n").into_bytes();
        t.extend_from_slice(b"\n  ls 1 [000] 1.000: kmem:kmalloc: call_site=x ptr=0x10 bytes_req=9 bytes_alloc=8\n");
        t.extend_from_slice(b"garbage line\r\n");
        t.extend_from_slice(&[b'x'; 300]);
        t.extend_from_slice(b"\n\xff\xfe bad utf8\n# a comment\n  sh 7 [001] 2.5: sched:sched_switch: x\n");
        t.extend_from_slice(FIXTURE.lines().nth(400).unwrap().as_bytes());
        t.extend_from_slice(b"\r\n");
        t.extend_from_slice(FIXTURE.lines().nth(401).unwrap().as_bytes());
        t
    }

    #[test]
    fn records_are_what_each_line_says_in_any_chunks_and_batches() {
        let text = mixed();
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        for (piece, batch) in [(1, 1), (7, 100), (4096, 1 << 20), (text.len(), 0)] {
            let mut dec = Decoder::new();
            let mut got = Vec::new();
            let batches = encode(&text, piece, batch, 256);
            for b in &batches {
                let mut at = 0;
                while !dec
                    .decode(b, &mut at, 3, |line, r| {
                        got.push((line, format!("{r:?}")));
                        Ok::<(), ()>(())
                    })
                    .unwrap()
                {}
            }
            let h = header(batches.last().unwrap()).unwrap();
            assert_eq!(h, Header { bytes: text.len() as u64, lines: lines.len() as u32 });
            let want: Vec<(u32, String)> = lines
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    let n = i as u32 + 1;
                    let r = match read_line(l, l.len() > 256, 256) {
                        Ok(None) => return None,
                        Ok(Some(ev)) => Record::Event(ev),
                        Err(MalformedReason::LineTooLong { .. }) => Record::Overlong,
                        Err(_) => Record::Bad(l),
                    };
                    Some((n, format!("{r:?}")))
                })
                .collect();
            assert_eq!(got, want, "pieces of {piece}, batches of {batch}");
        }
        // An event is the parser's, field by field.
        let first = FIXTURE.lines().next().unwrap();
        let ev = parse_line(first, 1).unwrap().unwrap();
        let mut dec = Decoder::new();
        let b = encode(first.as_bytes(), 5, 0, 256);
        dec.decode(&b[0], &mut 0, 10, |line, r| {
            assert_eq!((line, r), (1, Record::Event(ev.as_raw())));
            Ok::<(), ()>(())
        })
        .unwrap();
    }

    fn loader(limits: Limits) -> Loader {
        let config = MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() };
        Loader::new(Boot::Config { config, auto_cpus: true }, "", limits).unwrap()
    }

    fn by_wire(text: &[u8], limits: Limits, piece: usize, batch: usize) -> Result<TraceSession, FeedError> {
        let mut l = loader(limits);
        let mut dec = Decoder::new();
        for b in encode(text, piece, batch, limits.max_line_bytes) {
            let mut at = 0;
            while !l.feed_wire(&mut dec, &b, &mut at, 17)? {}
        }
        l.finish().map_err(FeedError::Trace)
    }

    fn by_text(text: &[u8], limits: Limits) -> Result<TraceSession, TraceError> {
        let mut l = loader(limits);
        l.feed(text)?;
        l.finish()
    }

    #[test]
    fn a_trace_replayed_from_batches_is_the_trace_the_loader_reads() {
        let mut text = FIXTURE.as_bytes().to_vec();
        text.extend_from_slice(&mixed());
        let limits = Limits { max_line_bytes: 256, ..Limits::default() };
        let plain = by_text(&text, limits).unwrap();
        for (piece, batch) in [(3, 50), (4096, 4096), (1 << 20, 1 << 20)] {
            let t = by_wire(&text, limits, piece, batch).unwrap();
            assert_eq!(t.report, plain.report, "pieces of {piece}");
            assert!(t.report.bad_total >= 4, "{:?}", t.report.bad_lines);
            assert_eq!(t.facts.len(), plain.facts.len());
            assert_eq!(t.session.op_count(), plain.session.op_count());
            for k in (0..t.session.op_count()).step_by(97) {
                assert_eq!(t.fact_of_op(k).map(|f| f.to_string()), plain.fact_of_op(k).map(|f| f.to_string()));
            }
            let (mut a, mut b) = (t.session, plain.session.clone());
            let end = a.total_steps();
            a.seek(end);
            b.seek(end);
            assert_eq!(a.snapshot(), b.snapshot());
        }
    }

    #[test]
    fn over_budget_stops_at_the_same_line_and_stays_stopped() {
        let limits = Limits { max_events: 100, ..Limits::default() };
        let want = by_text(FIXTURE.as_bytes(), limits).err().unwrap();
        assert!(matches!(want, TraceError::OverBudget { max_events: 100, .. }));
        let mut l = loader(limits);
        let mut dec = Decoder::new();
        let b = encode(FIXTURE.as_bytes(), 4096, 1 << 20, limits.max_line_bytes);
        let mut at = 0;
        let got = loop {
            match l.feed_wire(&mut dec, &b[0], &mut at, 64) {
                Ok(true) => panic!("not stopped"),
                Ok(false) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(got, FeedError::Trace(want.clone()));
        assert_eq!(l.feed_wire(&mut dec, &b[0], &mut at, 64), Err(FeedError::Trace(want)));
    }

    #[test]
    fn bad_batches_are_located_errors_not_panics() {
        let b =
            encode(FIXTURE.lines().take(3).collect::<Vec<_>>().join("\n").as_bytes(), 1 << 20, 1 << 20, 256).remove(0);
        let run = |b: &[u8]| {
            let mut dec = Decoder::new();
            let mut at = 0;
            loop {
                match dec.decode(b, &mut at, 1000, |_, _| Ok::<(), ()>(())) {
                    Ok(true) => return Ok(()),
                    Ok(false) => {}
                    Err(DecodeError::Wire(e)) => return Err(e),
                    Err(DecodeError::Each(())) => unreachable!(),
                }
            }
        };
        assert_eq!(run(&b), Ok(()));
        assert_eq!(run(&[]), Err(WireError { offset: 0, kind: WireErrorKind::Truncated }));
        assert_eq!(run(b"Xabc"), Err(WireError { offset: 0, kind: WireErrorKind::BadMagic(b'X') }));
        assert_eq!(run(&b[..5]), Err(WireError { offset: 5, kind: WireErrorKind::Truncated }));
        // Cut anywhere inside the records: truncated (or, at a record's end, fine).
        for cut in HEADER_LEN + 1..b.len() {
            match run(&b[..cut]) {
                Ok(()) => {}
                Err(e) => assert!(e.offset <= cut && e.kind == WireErrorKind::Truncated, "cut {cut}: {e:?}"),
            }
        }
        let mut bad = b.clone();
        bad[HEADER_LEN] = 9;
        assert_eq!(run(&bad), Err(WireError { offset: HEADER_LEN, kind: WireErrorKind::BadTag(9) }));
        let mut bad = b.clone();
        let kind_at = HEADER_LEN + 1 + 1; // tag, line (one byte: line 1)
        bad[kind_at] = 6;
        assert_eq!(run(&bad), Err(WireError { offset: kind_at, kind: WireErrorKind::BadKind(6) }));
        let mut bad = b.clone();
        bad[kind_at + 1] = 5; // the comm: string 4 of an empty table
        assert_eq!(run(&bad), Err(WireError { offset: kind_at + 1, kind: WireErrorKind::BadString(5) }));
        let mut bad = b.clone();
        bad[kind_at + 3] = 0xff; // the comm's first byte
        assert_eq!(run(&bad), Err(WireError { offset: kind_at + 3, kind: WireErrorKind::InvalidUtf8 }));
        let mut bad = b.clone();
        bad[kind_at + 1] = 0;
        assert_eq!(run(&bad), Err(WireError { offset: kind_at + 1, kind: WireErrorKind::NoComm }));
        let mut long = b[..HEADER_LEN].to_vec();
        long.extend_from_slice(&[TAG_OVERLONG, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(run(&long), Err(WireError { offset: HEADER_LEN + 1, kind: WireErrorKind::Overflow }));
        assert!(WireError { offset: 7, kind: WireErrorKind::Truncated }.to_string().contains("byte 7"));
    }
}
