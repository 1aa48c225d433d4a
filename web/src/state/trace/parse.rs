//! A trace file's bytes in (plain or gzip), core's `trace::wire` batches out: the trace
//! reader's work (`web/src/bin/trace_worker.rs`, which includes this file and
//! [`super::inflate`]). The page replays the batches (`Loader::feed_wire`). The reader runs in
//! a Web Worker or, when no worker starts, as the same module on the page's thread (s14), so
//! the page's own wasm holds neither the text parser nor the inflater; the page's unit tests
//! include this file to load traces the way the page does.

use slabscope_core::trace::wire::Encoder;
use slabscope_core::trace::TraceError;

use super::inflate::{GzipError, Inflate};

/// Why a batch could not be made.
#[derive(Debug)]
pub enum Fail {
    Gzip(GzipError),
    Trace(TraceError),
}

impl From<GzipError> for Fail {
    fn from(e: GzipError) -> Fail {
        Fail::Gzip(e)
    }
}

impl From<TraceError> for Fail {
    fn from(e: TraceError) -> Fail {
        Fail::Trace(e)
    }
}

/// Bytes in, text out of the inflater, lines out of the encoder into the batch being made.
pub struct Parse {
    inflate: Inflate,
    encoder: Encoder,
}

impl Parse {
    pub fn new(max_line_bytes: usize) -> Parse {
        Parse { inflate: Inflate::default(), encoder: Encoder::new(max_line_bytes) }
    }

    /// Feed the next bytes of the file (a gzip error names the offset of these bytes).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        let enc = &mut self.encoder;
        self.inflate.push(bytes, &mut |text: &[u8]| enc.feed(text).map_err(Fail::from))
    }

    /// The end of the file: the last line, or where a gzip stream ended early.
    pub fn finish(&mut self) -> Result<(), Fail> {
        let enc = &mut self.encoder;
        self.inflate.finish(&mut |text: &[u8]| enc.feed(text).map_err(Fail::from))?;
        Ok(self.encoder.finish()?)
    }

    /// The records made since the last batch was taken.
    pub fn take_batch(&mut self) -> Vec<u8> {
        self.encoder.take_batch()
    }

    /// Bytes of the file consumed.
    pub fn bytes_read(&self) -> u64 {
        self.inflate.bytes_read()
    }
}
