//! Freeing the states a seek replaced after the frame that shows the new step has painted
//! (`Session::drop_retired`, s12-seek): a far seek restores a checkpoint and replays from it, and
//! freeing the cursor's old state (its copy-on-write chunks, ~1 ms in a 1M-op session, half of a
//! compare step's seek) was part of the step. A session keeps them until this runs, or frees them
//! itself at its next seek.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::compare::Comparison;
use slabscope_core::session::Session;

/// The sessions a render may have sought: the page's, and Compare's columns.
#[derive(Clone)]
struct Sessions {
    page: Rc<RefCell<Session>>,
    compare: Option<Rc<RefCell<Comparison>>>,
}

impl Sessions {
    /// Run `f` on each session not borrowed elsewhere (one that is frees at its next seek).
    fn each(&self, mut f: impl FnMut(&mut Session)) {
        if let Ok(mut s) = self.page.try_borrow_mut() {
            f(&mut s);
        }
        if let Some(Ok(mut c)) = self.compare.as_ref().map(|c| c.try_borrow_mut()) {
            c.columns.iter_mut().for_each(|col| f(&mut col.session));
        }
    }
}

/// After every render of the app: once the frame is on screen, free what the render's seeks
/// replaced. Nothing retired: nothing is queued.
#[yew::hook]
pub fn use_drop_retired(page: Rc<RefCell<Session>>, compare: Option<Rc<RefCell<Comparison>>>) {
    yew::use_effect(move || {
        let sessions = Sessions { page, compare };
        let mut retired = 0;
        sessions.each(|s| retired += s.retired_count());
        if retired > 0 {
            // No animation frame to wait for (no window): the next seeks free them.
            let _ = super::playback::after_paint(move || {
                sessions.each(|s| {
                    s.drop_retired();
                })
            });
        }
    });
}
