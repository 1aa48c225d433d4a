//! The trace reader (s11-trace, issue 18 item 3): reads a trace `File` in 1 MiB slices,
//! decompresses gzip as it streams, splits and parses the lines and posts them to the page as
//! batches of core's `trace::wire` records in transferable `ArrayBuffer`s. The page replays the
//! batches into its own session (the views read it there) and asks for the next one as it takes
//! one, so at most two are in flight.
//!
//! It serves a port: anything with `postMessage(msg, transfer)` and `onmessage`. Normally the
//! module runs in a Web Worker (trunk builds it as `trace_worker_loader.js`) and `main` serves
//! the worker's own scope; cancelling terminates the worker. When no worker starts
//! (`?traceworker=0`, or the worker script fails to load) the page loads this same module on
//! its own thread (`trace_worker.js` + `trace_worker_bg.wasm`, see `web/src/state/trace.rs`)
//! and calls [`serve_port`] with one end of a `MessageChannel` (s14, issue 14: the page's own
//! wasm then needs neither the text parser nor the inflater, 22.5 KiB of its gzipped bundle).
//! On the page's thread the reader cuts its work into slices (the start message's `sliceMs`):
//! a batch ends once that budget is spent, fed 32 KiB at a time, so no task of a load is long,
//! or with the read it was fed from (the progress bar moves with the reads).
//!
//! Messages, page → reader: `{ file: Blob, maxLine: number, sliceMs?: number }` (start), then
//! `"more"` per batch; `"close"` ends the service (the page's thread: the port is dropped).
//! Reader → page: `"ready"` once loaded; `{ t: "batch", buf, read, done }`; `{ t: "gzip",
//! offset, total, out, truncated }`; `{ t: "error", text }`.

#[path = "../state/trace/inflate.rs"]
mod inflate;
#[path = "../state/trace/parse.rs"]
mod parse;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use parse::{Fail, Parse};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Bytes of the file read at a time (one batch each in a worker).
const READ_BYTES: f64 = (1 << 20) as f64;
/// Bytes fed between clock checks on the page's thread (as the page's own parser did before s14).
const FEED_BYTES: usize = 32 << 10;

#[wasm_bindgen]
extern "C" {
    /// Where the reader's messages come from and go: a `DedicatedWorkerGlobalScope` or a
    /// `MessagePort` (both have these, so they are called by name).
    type Port;
    #[wasm_bindgen(method, structural, catch, js_name = postMessage)]
    fn post_message(this: &Port, msg: &JsValue, transfer: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, setter, js_name = onmessage)]
    fn set_onmessage(this: &Port, f: Option<&js_sys::Function>);
}

/// A file being read.
struct Job {
    file: web_sys::Blob,
    size: f64,
    /// Bytes of the file read so far, and the last read, fed up to `at`.
    off: f64,
    buf: Vec<u8>,
    at: usize,
    parse: Parse,
    /// On the page's thread: a batch ends once this many milliseconds are spent.
    slice_ms: Option<f64>,
}

/// Why a batch could not be made.
enum Error {
    Parse(Fail),
    Read(String),
}

impl From<Fail> for Error {
    fn from(e: Fail) -> Error {
        Error::Parse(e)
    }
}

impl Job {
    /// The next batch, and whether it is the last: in a worker, one read of the file; on the
    /// page's thread, what a slice of `slice_ms` makes.
    async fn next(&mut self) -> Result<(Vec<u8>, bool), Error> {
        let mut start = js_sys::Date::now();
        // Bytes of a read fed in this call (page's thread).
        let mut fed = false;
        loop {
            if self.at == self.buf.len() {
                // On the page's thread a batch also ends with a read fed in it, as in a worker
                // (s16): else a fast parse (~6 ms per MiB here) never spent its slice before the
                // next read restarted the clock, so the whole file came as one batch at the end
                // and the progress bar showed 0 bytes while the file was read — for as long as a
                // slow disk takes.
                if fed && self.off < self.size {
                    return Ok((self.parse.take_batch(), false));
                }
                if self.off >= self.size {
                    self.parse.finish()?;
                    return Ok((self.parse.take_batch(), true));
                }
                let end = (self.off + READ_BYTES).min(self.size);
                self.buf = read(&self.file, self.off, end).await.map_err(|e| Error::Read(format!("{e:?}")))?;
                self.at = 0;
                self.off = end;
                // The read let the thread run: a new slice.
                start = js_sys::Date::now();
            }
            let Some(ms) = self.slice_ms else {
                self.parse.push(&self.buf)?;
                self.at = self.buf.len();
                let done = self.off >= self.size;
                if done {
                    self.parse.finish()?;
                }
                return Ok((self.parse.take_batch(), done));
            };
            let end = (self.at + FEED_BYTES).min(self.buf.len());
            self.parse.push(&self.buf[self.at..end])?;
            self.at = end;
            fed = true;
            if js_sys::Date::now() - start >= ms {
                return Ok((self.parse.take_batch(), false));
            }
        }
    }
}

/// Bytes `start..end` of `file` (`Blob.arrayBuffer()`: the page's thread has no
/// `FileReaderSync`, and one way serves both).
async fn read(file: &web_sys::Blob, start: f64, end: f64) -> Result<Vec<u8>, JsValue> {
    let part = file.slice_with_f64_and_f64(start, end)?;
    let buf = wasm_bindgen_futures::JsFuture::from(part.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Messages from the page, waited for one at a time.
#[derive(Default)]
struct Inbox {
    queue: RefCell<VecDeque<JsValue>>,
    wake: RefCell<Option<js_sys::Function>>,
    /// `"close"` came: the page dropped its end (no more work for what is queued).
    closed: Cell<bool>,
}

impl Inbox {
    fn push(&self, v: JsValue) {
        if v.as_string().as_deref() == Some("close") {
            self.closed.set(true);
        }
        self.queue.borrow_mut().push_back(v);
        if let Some(f) = self.wake.take() {
            let _ = f.call0(&JsValue::NULL);
        }
    }

    /// The next message, and whether it was waited for (a new task).
    async fn recv(&self) -> (JsValue, bool) {
        let mut waited = false;
        loop {
            if let Some(v) = self.queue.borrow_mut().pop_front() {
                return (v, waited);
            }
            let p = js_sys::Promise::new(&mut |resolve, _| {
                self.wake.replace(Some(resolve));
            });
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
            waited = true;
        }
    }
}

/// Let the thread run (a `MessageChannel` message: a new task, without the clamp of nested
/// timers): on the page's thread a batch asked for while the last was made starts a new task.
async fn yield_now() {
    let p = js_sys::Promise::new(&mut |resolve, _| match web_sys::MessageChannel::new() {
        Ok(ch) => {
            ch.port1().set_onmessage(Some(&resolve));
            if ch.port2().post_message(&JsValue::NULL).is_err() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
        Err(_) => {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &k.into(), v);
}

fn post(port: &Port, o: &JsValue, transfer: Option<&JsValue>) {
    let list = match transfer {
        Some(t) => js_sys::Array::of1(t),
        None => js_sys::Array::new(),
    };
    if port.post_message(o, &list).is_err() {
        web_sys::console::error_1(&"trace reader: postMessage failed".into());
    }
}

/// The message for a batch that could not be made.
fn failure(e: Error) -> js_sys::Object {
    let o = js_sys::Object::new();
    match e {
        Error::Parse(Fail::Gzip(e)) => {
            set(&o, "t", &"gzip".into());
            set(&o, "offset", &(e.offset as f64).into());
            set(&o, "total", &(e.total as f64).into());
            set(&o, "out", &(e.out as f64).into());
            set(&o, "truncated", &e.truncated.into());
        }
        Error::Parse(Fail::Trace(e)) => {
            set(&o, "t", &"error".into());
            set(&o, "text", &e.to_string().into());
        }
        Error::Read(e) => {
            set(&o, "t", &"error".into());
            set(&o, "text", &e.into());
        }
    }
    o
}

/// Serve `port` until it says `"close"` (a worker is terminated instead).
fn serve(port: Port) {
    let inbox = Rc::new(Inbox::default());
    let onmessage = {
        let inbox = inbox.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| inbox.push(m.data()))
    };
    port.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    wasm_bindgen_futures::spawn_local(async move {
        // The handler lives as long as the service.
        let _onmessage = onmessage;
        post(&port, &"ready".into(), None);
        let mut job: Option<Job> = None;
        while !inbox.closed.get() {
            let (data, waited) = inbox.recv().await;
            if inbox.closed.get() {
                break;
            }
            if let Some(file) =
                js_sys::Reflect::get(&data, &"file".into()).ok().and_then(|f| f.dyn_into::<web_sys::Blob>().ok())
            {
                let num = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok().and_then(|v| v.as_f64());
                let max_line = num("maxLine").unwrap_or(65536.0) as usize;
                let size = file.size();
                job = Some(Job {
                    file,
                    size,
                    off: 0.0,
                    buf: Vec::new(),
                    at: 0,
                    parse: Parse::new(max_line),
                    slice_ms: num("sliceMs"),
                });
                continue;
            }
            let Some(j) = job.as_mut() else { continue };
            if j.slice_ms.is_some() && !waited {
                yield_now().await;
                if inbox.closed.get() {
                    break;
                }
            }
            match j.next().await {
                Ok((batch, done)) => {
                    let o = js_sys::Object::new();
                    let buf = js_sys::Uint8Array::from(batch.as_slice()).buffer();
                    set(&o, "t", &"batch".into());
                    set(&o, "buf", &buf);
                    set(&o, "read", &(j.parse.bytes_read() as f64).into());
                    set(&o, "done", &done.into());
                    if done {
                        job = None;
                    }
                    post(&port, &o, Some(&buf));
                }
                Err(e) => {
                    job = None;
                    post(&port, &failure(e), None);
                }
            }
        }
        port.set_onmessage(None);
    });
}

/// The page's thread (s14): serve `port`, one end of a `MessageChannel` whose other end the
/// page reads. Called by the page after it loaded this module (`web/src/state/trace.rs`).
#[wasm_bindgen]
pub fn serve_port(port: JsValue) {
    serve(port.unchecked_into());
}

fn main() {
    // In a worker, serve its own scope. Loaded on the page's thread (the fallback) there is no
    // worker scope (`instanceof` is false there): the page calls `serve_port`, and the window's
    // `onmessage` is left alone.
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        serve(scope.unchecked_into());
    }
}
