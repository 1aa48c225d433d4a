//! A trace file's bytes as text: gzip (a `1f 8b` start) decompressed as it streams, else the
//! bytes as they are. The trace reader's (`web/src/bin/trace_worker.rs`, which includes this
//! file and `parse.rs`; in a worker or on the page's thread, s14), so a truncated or corrupt
//! stream is the same located error on both paths; the page's unit tests include it too.

use std::io::Write;

/// The gzip stream is corrupt or ends early, at this compressed byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GzipError {
    /// Compressed bytes before the chunk that failed (the end of the file when `truncated`).
    pub offset: u64,
    /// Compressed bytes read.
    pub total: u64,
    /// Text bytes decompressed before.
    pub out: u64,
    /// The stream ended early (else it is corrupt).
    pub truncated: bool,
}

/// Bytes in (plain or gzip, sniffed from the first two bytes), text out to a sink.
#[derive(Default)]
pub struct Inflate {
    /// `None` until the first bytes say which; `Some(None)` plain text.
    gz: Option<Option<flate2::write::MultiGzDecoder<Vec<u8>>>>,
    /// Bytes held back until the format is known (a first chunk of one byte).
    head: Vec<u8>,
    /// Bytes of the file consumed so far.
    read: u64,
    /// Text bytes so far.
    out: u64,
}

impl Inflate {
    /// Feed the next bytes of the file; the text they hold goes to `sink`.
    pub fn push<E: From<GzipError>>(
        &mut self,
        chunk: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.gz.is_none() {
            self.head.extend_from_slice(chunk);
            if self.head.len() < 2 {
                return Ok(());
            }
            let gz = self.head.starts_with(&[0x1f, 0x8b]);
            self.gz = Some(gz.then(|| flate2::write::MultiGzDecoder::new(Vec::new())));
            let head = std::mem::take(&mut self.head);
            return self.known(&head, sink);
        }
        self.known(chunk, sink)
    }

    fn known<E: From<GzipError>>(
        &mut self,
        chunk: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let at = self.read;
        self.read += chunk.len() as u64;
        match &mut self.gz {
            Some(Some(dec)) => {
                let (total, out) = (self.read, self.out);
                let bad = |_| GzipError { offset: at, total, out, truncated: false };
                dec.write_all(chunk).map_err(bad)?;
                dec.flush().map_err(bad)?;
                let text = std::mem::take(dec.get_mut());
                self.out += text.len() as u64;
                let r = sink(&text);
                // The buffer's allocation is reused for the next chunk.
                *dec.get_mut() = text;
                dec.get_mut().clear();
                r
            }
            _ => {
                self.out += chunk.len() as u64;
                sink(chunk)
            }
        }
    }

    /// The end of the file: the last text, or the compressed offset where the stream ended
    /// early.
    pub fn finish<E: From<GzipError>>(&mut self, sink: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.gz.is_none() {
            let head = std::mem::take(&mut self.head);
            self.gz = Some(None);
            self.known(&head, sink)?;
        }
        if let Some(Some(dec)) = &mut self.gz {
            let (offset, out) = (self.read, self.out);
            dec.try_finish().map_err(|_| GzipError { offset, total: offset, out, truncated: true })?;
            let text = std::mem::take(dec.get_mut());
            self.out += text.len() as u64;
            sink(&text)?;
        }
        Ok(())
    }

    /// Bytes of the file consumed.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}
