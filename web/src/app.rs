//! The app shell: one reducer over a core `Session`, and the views.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use slabscope_core::session::Session;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{self, t, tf, Lang};
use crate::views::{buddy_map::BuddyMap, chart::FreeChart};

/// The walking skeleton's demo: a small machine so every page is visible.
const DEMO: &str = "\
config mem=256K
pages alloc order=0 as=a
pages alloc order=2 as=b
pages alloc order=1 as=c
pages alloc order=3 as=d
pages free a
pages free c
pages free b
pages free d
";

/// The determinism scenario shared with the native tests.
const DETERMINISM: &str = include_str!("../../core/tests/data/determinism.ops");

pub enum Action {
    /// Advance to the end of the next operation.
    StepOp,
    /// Go back to the end of the previous operation.
    BackOp,
    Reset,
    ToggleLang,
}

pub struct State {
    pub session: Rc<RefCell<Session>>,
    pub lang: Lang,
    /// Bumped on every change, so views re-render.
    pub version: u64,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.lang == other.lang
    }
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut lang = self.lang;
        {
            let mut s = self.session.borrow_mut();
            match action {
                Action::StepOp => {
                    let next = match s.current_op() {
                        None => 0,
                        Some(k) if s.step() < s.op_events_range(k).end => k,
                        Some(k) => k + 1,
                    };
                    if next < s.op_count() {
                        let end = s.op_events_range(next).end;
                        s.seek(end);
                    }
                }
                Action::BackOp => {
                    let target = match s.current_op() {
                        None | Some(0) => 0,
                        Some(k) => s.op_events_range(k - 1).end,
                    };
                    s.seek(target);
                }
                Action::Reset => s.seek(0),
                Action::ToggleLang => {
                    lang = if lang == Lang::En { Lang::Ja } else { Lang::En };
                }
            }
        }
        Rc::new(State { session: self.session.clone(), lang, version: self.version + 1 })
    }
}

fn demo_session() -> Session {
    script::load(DEMO, &MachineConfig::default(), &[]).expect("the built-in demo script is valid")
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State { session: Rc::new(RefCell::new(demo_session())), lang: Lang::En, version: 0 });

    // Keyboard: → steps forward, ← back.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let listener = EventListener::new(&doc, "keydown", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                match e.key().as_str() {
                    "ArrowRight" => dispatcher.dispatch(Action::StepOp),
                    "ArrowLeft" => dispatcher.dispatch(Action::BackOp),
                    _ => {}
                }
            });
            move || drop(listener)
        });
    }
    // Tell the test harness (and anyone curious) that the app is up.
    use_effect_with((), |_| {
        if let Some(body) = gloo::utils::document().body() {
            let _ = body.set_attribute("data-ready", "1");
        }
    });
    {
        let lang = state.lang;
        use_effect_with(lang, move |lang| {
            if let Some(html) = gloo::utils::document().document_element() {
                let _ = html.set_attribute("lang", lang.code());
            }
        });
    }

    let lang = state.lang;
    let session = state.session.borrow();
    let snap = session.snapshot();
    let op_no = session.current_op().map_or(0, |k| k + 1);
    let counter = tf(
        lang,
        "ui.counter",
        &[
            ("step", session.step().to_string()),
            ("total", session.total_steps().to_string()),
            ("op", op_no.to_string()),
            ("ops", session.op_count().to_string()),
        ],
    );
    let explanation = match session.current_event() {
        None => t(lang, "ui.start"),
        Some(ev) => i18n::message(lang, &ev.message(), session.names(), &|c| session.head().cache_name(c)),
    };
    let op_text = session
        .current_op()
        .and_then(|k| session.op(k))
        .map(|op| tf(lang, "ui.op", &[("op", op.to_script(session.names()))]))
        .unwrap_or_default();
    let hash = format!("{:016x}", determinism_hash());

    let on = |a: fn() -> Action| {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(a()))
    };
    html! {
        <main id="app">
            <header class="app-header">
                <h1>{ t(lang, "app.title") }</h1>
                <p class="tagline">{ t(lang, "app.tagline") }</p>
                <button id="lang" onclick={on(|| Action::ToggleLang)}>{ t(lang, "ui.lang") }</button>
            </header>
            <section class="controls" aria-label="playback">
                <button id="reset" onclick={on(|| Action::Reset)}>{ t(lang, "ui.reset") }</button>
                <button id="back" onclick={on(|| Action::BackOp)}>{ t(lang, "ui.back") }</button>
                <button id="step" onclick={on(|| Action::StepOp)}>{ t(lang, "ui.step") }</button>
                <span id="step-counter">{ counter }</span>
            </section>
            <p id="op-text" class="op-text">{ op_text }</p>
            <p id="explain" class="explain" aria-live="polite">{ explanation }</p>
            <section class="panel">
                <h2>{ t(lang, "ui.memory_map") }</h2>
                <BuddyMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} lang={lang} />
            </section>
            <div class="row">
                <section class="panel">
                    <h2>{ t(lang, "ui.chart") }</h2>
                    <FreeChart nr_free={snap.stats.nr_free.clone()} lang={lang} />
                </section>
                <section class="panel">
                    <h2>{ t(lang, "ui.buddyinfo") }</h2>
                    <pre id="buddyinfo">{ snap.buddyinfo.clone() }</pre>
                </section>
            </div>
            <footer id="determinism" data-hash={hash}></footer>
        </main>
    }
}

fn determinism_hash() -> u64 {
    thread_local! {
        static HASH: u64 = script::load(DETERMINISM, &MachineConfig::default(), &[])
            .expect("determinism scenario is valid")
            .event_hash();
    }
    HASH.with(|h| *h)
}
