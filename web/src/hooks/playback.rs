//! Playback: the step player (#14: on `requestAnimationFrame`, at the display's rate; each frame
//! advances the steps the speed allots to the time since the last one), the scrubber's coalesced
//! seek (the latest position, once per frame), and the embed's lesson autoplay (a question waits
//! for its answer).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use slabscope_core::session::Session;

use crate::state::{Action, State, AUTOPLAY_MS, SPEEDS};
use crate::views::lessons::LessonMsg;

/// Longest time one frame accounts for (a background tab or a long pause does not jump ahead).
const MAX_FRAME_MS: f64 = 250.0;

/// The frame callback, shared by the loop and itself (it asks for the next frame).
type FrameCb = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// A `requestAnimationFrame` loop calling `f(timestamp)` every frame until dropped.
pub struct FrameLoop {
    id: Rc<Cell<i32>>,
    cb: FrameCb,
}

fn request(cb: &Closure<dyn FnMut(f64)>) -> i32 {
    web_sys::window().and_then(|w| w.request_animation_frame(cb.as_ref().unchecked_ref()).ok()).unwrap_or(0)
}

impl FrameLoop {
    pub fn new(mut f: impl FnMut(f64) + 'static) -> FrameLoop {
        let id = Rc::new(Cell::new(0));
        let cb: FrameCb = Rc::new(RefCell::new(None));
        let (id2, cb2) = (id.clone(), Rc::downgrade(&cb));
        *cb.borrow_mut() = Some(Closure::new(move |t: f64| {
            f(t);
            if let Some(cb) = cb2.upgrade() {
                if let Some(c) = cb.borrow().as_ref() {
                    id2.set(request(c));
                }
            }
        }));
        if let Some(c) = cb.borrow().as_ref() {
            id.set(request(c));
        }
        FrameLoop { id, cb }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.cancel_animation_frame(self.id.get());
        }
        self.cb.borrow_mut().take();
    }
}

/// Steps due after `dt_ms` at `per_second`, carrying the fraction in `acc`.
fn steps_due(acc: &mut f64, dt_ms: f64, per_second: f64) -> u64 {
    *acc += dt_ms.clamp(0.0, MAX_FRAME_MS) * per_second / 1000.0;
    let n = acc.floor();
    *acc -= n;
    n as u64
}

#[hook]
pub fn use_playback(state: &UseReducerHandle<State>) {
    {
        let dispatcher = state.dispatcher();
        let (playing, speed) = (state.playing, state.speed);
        use_effect_with((playing, speed), move |&(playing, speed)| {
            let frames = playing.then(|| {
                let per_second = SPEEDS[speed];
                // The first step at once (the answer to the click), then by elapsed time.
                dispatcher.dispatch(Action::Tick(1));
                let (mut last, mut acc) = (None::<f64>, 0.0);
                FrameLoop::new(move |t| {
                    let n = last.map_or(0, |l| steps_due(&mut acc, t - l, per_second));
                    last = Some(t);
                    if n > 0 {
                        dispatcher.dispatch(Action::Tick(n));
                    }
                })
            });
            move || drop(frames)
        });
    }
    let dispatcher = state.dispatcher();
    let autoplay = state.params.autoplay && state.lesson.is_some();
    use_effect_with(autoplay, move |&autoplay| {
        let interval = autoplay.then(|| {
            gloo::timers::callback::Interval::new(AUTOPLAY_MS, move || {
                dispatcher.dispatch(Action::Lesson(LessonMsg::Advance))
            })
        });
        move || drop(interval)
    });
}

/// Run `f` once in the next animation frame (a one-shot closure, freed after its call). False
/// when no frame could be asked for.
pub fn next_frame(f: impl FnOnce() + 'static) -> bool {
    let cb = Closure::once_into_js(move |_t: f64| f());
    web_sys::window().and_then(|w| w.request_animation_frame(cb.unchecked_ref()).ok()).is_some()
}

/// Run `f` once the coming frame has painted: its animation frame queues a task, which runs
/// after the frame is on screen (work a step needs done, but not before its picture: the URL,
/// freeing what a seek replaced, the determinism fingerprint). False when no frame could be
/// asked for (`f` is dropped uncalled).
pub fn after_paint(f: impl FnOnce() + 'static) -> bool {
    next_frame(move || {
        gloo::timers::callback::Timeout::new(0, f).forget();
    })
}

/// A held drag's state between frames: the latest move not sought yet, the step its last seek
/// went toward and the step the cursor was at before that seek (s16: a bounded seek may stop on
/// the way; the next frame goes on while it moves).
#[derive(Default)]
struct Drag {
    latest: Option<u64>,
    goal: Option<(u64, u64)>,
    held: bool,
}

/// Until the next animation frame, moves only store their position; that frame seeks toward the
/// latest, replaying at most [`crate::state::DRAG_REPLAY_OPS`] ops, and the frames after it go
/// on toward it while the cursor moves (and wait one more frame after a seek). False when no
/// frame could be asked for.
fn hold_until_frame(drag: Rc<RefCell<Drag>>, session: Rc<RefCell<Session>>, d: UseReducerDispatcher<State>) -> bool {
    let (drag2, session2) = (drag.clone(), session.clone());
    let asked = next_frame(move || {
        let at = session2.try_borrow().map(|s| s.step()).ok();
        let next = {
            let mut g = drag2.borrow_mut();
            match (g.latest.take(), g.goal) {
                (Some(to), _) => Some(to),
                // Not there yet, and the last seek moved: go on.
                (None, Some((to, before))) if at.is_some_and(|a| a != to && a != before) => Some(to),
                _ => None,
            }
        };
        match next {
            Some(to) => {
                drag2.borrow_mut().goal = at.map(|a| (to, a));
                d.dispatch(Action::SeekWithin(to));
                if !hold_until_frame(drag2.clone(), session2, d) {
                    drag2.borrow_mut().held = false;
                }
            }
            None => {
                let mut g = drag2.borrow_mut();
                (g.held, g.goal) = (false, None);
            }
        }
    });
    drag.borrow_mut().held = asked;
    asked
}

/// The scrubber's seek, coalesced (#14): the first move after a frame seeks at once and whole (a
/// click answers in its own frame, exactly); the moves after it, until the next animation frame,
/// only store their position, and that frame seeks toward the latest within a replay budget
/// (s16: a far move of a drag in a 1M-op session replayed up to 63k ops, one long task). A fast
/// drag costs at most one bounded seek and one render per frame.
#[hook]
pub fn use_coalesced_seek(dispatcher: UseReducerDispatcher<State>, session: Rc<RefCell<Session>>) -> Callback<u64> {
    let drag = use_mut_ref(Drag::default);
    // The session of the latest render (a new sandbox build or trace replaces it).
    let current = use_mut_ref(|| session.clone());
    *current.borrow_mut() = session;
    use_callback((), move |to: u64, _| {
        if drag.borrow().held {
            drag.borrow_mut().latest = Some(to);
            return;
        }
        dispatcher.dispatch(Action::Seek(to));
        drag.borrow_mut().goal = None;
        hold_until_frame(drag.clone(), current.borrow().clone(), dispatcher.clone());
    })
}
