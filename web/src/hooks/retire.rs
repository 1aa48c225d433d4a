//! Freeing the states a seek replaced after the frame that shows the new step has painted
//! (`Session::drop_retired`, s12-seek): a far seek restores a checkpoint and replays from it, and
//! freeing the cursor's old state (its copy-on-write chunks, ~1 ms in a 1M-op session, the half of
//! a compare step's seek) was part of the step. The session keeps them until this runs, or frees
//! them itself at the next seek.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::session::Session;

/// After the coming frame has painted (its animation frame queues a task, which runs once the
/// frame is on screen), free what the seeks of `sessions` replaced. Nothing to free: nothing is
/// queued.
pub fn drop_retired_after_paint(sessions: Vec<Rc<RefCell<Session>>>) {
    let sessions: Vec<_> =
        sessions.into_iter().filter(|s| s.try_borrow().is_ok_and(|s| s.retired_count() > 0)).collect();
    if sessions.is_empty() {
        return;
    }
    let run = move || {
        for s in &sessions {
            // A session borrowed elsewhere (a step running now) frees them at its next seek.
            if let Ok(mut s) = s.try_borrow_mut() {
                s.drop_retired();
            }
        }
    };
    // No animation frame to wait for (no window): the next seek frees them.
    let _ = super::playback::next_frame(move || {
        gloo::timers::callback::Timeout::new(0, run).forget();
    });
}

/// After every render of the app: free what the step's seek replaced once it is on screen.
#[yew::hook]
pub fn use_drop_retired(session: Rc<RefCell<Session>>) {
    yew::use_effect(move || drop_retired_after_paint(vec![session]));
}
