//! The sandbox's session charts (#14): their samples replay the whole session from boot
//! (`Session::series`). A small session (a lesson, the demo, a script) is replayed during the
//! render as before; a large one (a 1M-op workload: one task of ~0.5 s in Chromium) in slices of
//! about [`SLICE_MS`], one task each, so the page keeps answering and repainting; the charts
//! show once the samples are made. (A trace's samples are made in slices by its own load.)

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use slabscope_core::session::{Sample, Session};
use slabscope_core::timeline::series::SeriesBuilder;
use yew::prelude::*;

/// Sessions up to this many ops are replayed for their charts during the render.
pub const SMALL_OPS: usize = 20_000;
/// Samples per chart.
pub const SAMPLES: usize = 200;
/// Ops replayed between two looks at the clock.
const CHUNK_OPS: usize = 2_000;
/// Time one slice may take.
const SLICE_MS: f64 = 8.0;

/// The samples of a large session, with the key of the session they are of.
type Made = Option<((usize, usize), Rc<Vec<Sample>>)>;

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The chart samples of `session` when `charted` (else none). `key` names the session (it
/// changes with a new session or a longer one); the samples of a large session are empty until
/// its slices are done.
#[hook]
pub fn use_session_series(session: Rc<RefCell<Session>>, key: (usize, usize), charted: bool) -> Rc<Vec<Sample>> {
    let small = charted && session.borrow().op_count() <= SMALL_OPS;
    let at_once = {
        let session = session.clone();
        use_memo((key, small), move |&(_, small)| {
            Rc::new(if small { session.borrow().series(SAMPLES) } else { Vec::new() })
        })
    };
    // (key, samples) of the large session last made.
    let sliced = use_state(|| Made::None);
    {
        let sliced = sliced.clone();
        use_effect_with((key, charted && !small), move |&(key, large)| {
            let cancelled = Rc::new(Cell::new(false));
            if large && sliced.as_ref().is_none_or(|(k, _)| *k != key) {
                let builder = SeriesBuilder::new(&session.borrow(), SAMPLES);
                slice(session, builder, key, sliced, cancelled.clone());
            }
            move || cancelled.set(true)
        });
    }
    if small {
        return (*at_once).clone();
    }
    match &*sliced {
        Some((k, samples)) if charted && *k == key => samples.clone(),
        _ => Rc::default(),
    }
}

/// One slice of the replay, then the next in a task of its own (or the samples, once done).
fn slice(
    session: Rc<RefCell<Session>>,
    mut builder: SeriesBuilder,
    key: (usize, usize),
    out: UseStateHandle<Made>,
    cancelled: Rc<Cell<bool>>,
) {
    gloo::timers::callback::Timeout::new(0, move || {
        if cancelled.get() {
            return;
        }
        // A step running now holds the session: try again in the next task.
        let done = match session.try_borrow() {
            Ok(s) => {
                let start = now();
                loop {
                    if builder.step(&s, CHUNK_OPS) {
                        break true;
                    }
                    if now() - start > SLICE_MS {
                        break false;
                    }
                }
            }
            Err(_) => false,
        };
        if done {
            out.set(Some((key, Rc::new(builder.finish()))));
        } else {
            slice(session, builder, key, out, cancelled);
        }
    })
    .forget();
}
