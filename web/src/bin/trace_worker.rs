//! The trace worker (s11-trace, issue 18 item 3): reads a trace `File` in 1 MiB slices
//! (`FileReaderSync`), decompresses gzip as it streams, splits and parses the lines and posts
//! them to the page as batches of core's `trace::wire` records in transferable `ArrayBuffer`s.
//! The page replays the batches into its own session (the views read it there) and asks for the
//! next one as it takes one, so at most two are in flight; cancelling terminates the worker.
//!
//! Messages, page → worker: `{ file: Blob, maxLine: number }` (start), then `"more"` per batch.
//! Worker → page: `"ready"` once loaded; `{ t: "batch", buf, read, done }`; `{ t: "gzip",
//! offset, total, out, truncated }`; `{ t: "error", text }`.

#[path = "../state/trace/inflate.rs"]
mod inflate;

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::trace::wire::Encoder;
use slabscope_core::trace::TraceError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Bytes of the file read per batch.
const READ_BYTES: f64 = (1 << 20) as f64;

/// A file being read.
struct Job {
    file: web_sys::Blob,
    off: f64,
    inflate: inflate::Inflate,
    encoder: Encoder,
}

/// Why a batch could not be made.
enum Fail {
    Gzip(inflate::GzipError),
    Trace(TraceError),
    Read(String),
}

impl From<inflate::GzipError> for Fail {
    fn from(e: inflate::GzipError) -> Fail {
        Fail::Gzip(e)
    }
}

impl From<TraceError> for Fail {
    fn from(e: TraceError) -> Fail {
        Fail::Trace(e)
    }
}

impl Job {
    /// Read the next slice of the file into a batch; the batch and whether it is the last.
    fn next(&mut self) -> Result<(Vec<u8>, bool), Fail> {
        let size = self.file.size();
        let end = (self.off + READ_BYTES).min(size);
        let read = |e: JsValue| Fail::Read(format!("{e:?}"));
        let part = self.file.slice_with_f64_and_f64(self.off, end).map_err(read)?;
        let buf = web_sys::FileReaderSync::new().and_then(|r| r.read_as_array_buffer(&part)).map_err(read)?;
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        self.off = end;
        let enc = &mut self.encoder;
        self.inflate.push(&bytes, &mut |text: &[u8]| enc.feed(text).map_err(Fail::from))?;
        let done = self.off >= size;
        if done {
            self.inflate.finish(&mut |text: &[u8]| enc.feed(text).map_err(Fail::from))?;
            self.encoder.finish()?;
        }
        Ok((self.encoder.take_batch(), done))
    }
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &k.into(), v);
}

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let job: Rc<RefCell<Option<Job>>> = Rc::default();
    let post = {
        let scope = scope.clone();
        move |o: js_sys::Object, transfer: Option<&JsValue>| {
            let r = match transfer {
                Some(t) => scope.post_message_with_transfer(&o, &js_sys::Array::of1(t)),
                None => scope.post_message(&o),
            };
            if r.is_err() {
                web_sys::console::error_1(&"trace worker: postMessage failed".into());
            }
        }
    };
    let onmessage = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
        let data = m.data();
        if let Some(file) =
            js_sys::Reflect::get(&data, &"file".into()).ok().and_then(|f| f.dyn_into::<web_sys::Blob>().ok())
        {
            let max_line =
                js_sys::Reflect::get(&data, &"maxLine".into()).ok().and_then(|v| v.as_f64()).unwrap_or(65536.0);
            let encoder = Encoder::new(max_line as usize);
            *job.borrow_mut() = Some(Job { file, off: 0.0, inflate: inflate::Inflate::default(), encoder });
            return;
        }
        let mut slot = job.borrow_mut();
        let Some(j) = slot.as_mut() else { return };
        let o = js_sys::Object::new();
        match j.next() {
            Ok((batch, done)) => {
                let buf = js_sys::Uint8Array::from(batch.as_slice()).buffer();
                set(&o, "t", &"batch".into());
                set(&o, "buf", &buf);
                set(&o, "read", &(j.inflate.bytes_read() as f64).into());
                set(&o, "done", &done.into());
                if done {
                    *slot = None;
                }
                post(o, Some(&buf));
            }
            Err(Fail::Gzip(e)) => {
                set(&o, "t", &"gzip".into());
                set(&o, "offset", &(e.offset as f64).into());
                set(&o, "total", &(e.total as f64).into());
                set(&o, "out", &(e.out as f64).into());
                set(&o, "truncated", &e.truncated.into());
                *slot = None;
                post(o, None);
            }
            Err(Fail::Trace(e)) => {
                set(&o, "t", &"error".into());
                set(&o, "text", &e.to_string().into());
                *slot = None;
                post(o, None);
            }
            Err(Fail::Read(e)) => {
                set(&o, "t", &"error".into());
                set(&o, "text", &e.into());
                *slot = None;
                post(o, None);
            }
        }
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The worker lives as long as its handler: it is terminated by the page, not dropped.
    onmessage.forget();
    if scope.post_message(&"ready".into()).is_err() {
        web_sys::console::error_1(&"trace worker: not ready".into());
    }
}
