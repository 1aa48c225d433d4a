//! Playback timers: the step player (at most ~30 ticks per second; faster speeds take several
//! steps per tick) and the embed's lesson autoplay (a question waits for its answer).

use yew::prelude::*;

use crate::state::{Action, State, AUTOPLAY_MS, MIN_TICK_MS, SPEEDS};
use crate::views::lessons::LessonMsg;

#[hook]
pub fn use_playback(state: &UseReducerHandle<State>) {
    {
        let dispatcher = state.dispatcher();
        let (playing, speed) = (state.playing, state.speed);
        use_effect_with((playing, speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                let ms = (1000.0 / SPEEDS[speed]).max(MIN_TICK_MS);
                let n = (SPEEDS[speed] * ms / 1000.0).round().max(1.0) as u64;
                gloo::timers::callback::Interval::new(ms as u32, move || dispatcher.dispatch(Action::Tick(n)))
            });
            move || drop(interval)
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
