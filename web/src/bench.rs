//! In-browser benchmark of the core in WebAssembly (`?bench=seek&ops=N`): builds a session of
//! N seeded page ops and times random seeks with `performance.now()`. Run by `cargo xtask bench`.

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::session::Session;
use slabscope_core::workload::{pages_workload, Rng};
use yew::prelude::*;

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Build the session and time `seeks` random seeks; the result as JSON.
pub fn run_seek(ops: usize, seeks: usize) -> String {
    let config = MachineConfig::default();
    let t0 = now();
    let mut names = Names::default();
    let list = pages_workload(&config, 42, ops, &mut names);
    let mut s = Session::with_names(config, names).expect("default config is valid");
    for op in list {
        s.push(op, 0).expect("the workload never fails");
    }
    let build_ms = now() - t0;
    let total = s.total_steps();
    let mut rng = Rng::new(1);
    let mut times: Vec<f64> = (0..seeks)
        .map(|_| {
            let target = rng.below(total + 1);
            let t = now();
            s.seek(target);
            let _ = s.snapshot();
            now() - t
        })
        .collect();
    slabscope_core::sort::sort_by(&mut times, f64::total_cmp);
    format!(
        "{{\"ops\":{ops},\"steps\":{total},\"build_ms\":{build_ms:.0},\"seeks\":{seeks},\
         \"seek_plus_snapshot_ms\":{{\"median\":{:.3},\"p95\":{:.3},\"max\":{:.3}}}}}",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1]
    )
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ops: usize,
}

#[function_component(SeekBench)]
pub fn seek_bench(p: &Props) -> Html {
    let result = use_state(|| None::<String>);
    {
        let result = result.clone();
        let ops = p.ops;
        use_effect_with((), move |_| {
            // Let the page paint "running" first.
            gloo::timers::callback::Timeout::new(50, move || result.set(Some(run_seek(ops, 200)))).forget();
        });
    }
    match &*result {
        None => html! { <pre id="bench-result">{ format!("building a {} op session…", p.ops) }</pre> },
        Some(json) => html! { <pre id="bench-result" data-done="1">{ json.clone() }</pre> },
    }
}
