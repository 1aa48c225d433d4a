//! Sandbox controls: common-op buttons (they run op-language lines through the command path),
//! the seeded workload generator, the machine configuration panel, and `.ops` download/upload.

use slabscope_core::machine::MachineConfig;
use slabscope_core::slab_layout::CacheFlags;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::doc::Workload;
use crate::i18n::{t, Lang};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub config: MachineConfig,
    pub workload: Option<Workload>,
    /// Lengths of the lists the buttons use: `pg`, `obj`, `blk`.
    pub lists: [usize; 3],
    /// Located error of the last config/workload/upload, if any.
    pub error: Option<String>,
    pub on_command: Callback<String>,
    pub on_workload: Callback<Workload>,
    /// `key=value ...` settings of the configuration panel.
    pub on_config: Callback<String>,
    /// (file name, text) of an uploaded script.
    pub on_upload: Callback<(String, String)>,
    /// The current session as a `.ops` file.
    pub export: Callback<(), String>,
    /// A workload being built: (ops run, ops in all).
    #[prop_or_default]
    pub building: Option<(usize, usize)>,
}

fn input_value(id: &str) -> String {
    gloo::utils::document()
        .get_element_by_id(id)
        .and_then(|e| {
            e.dyn_into::<web_sys::HtmlInputElement>().ok().map(|i| i.value()).or_else(|| {
                gloo::utils::document()
                    .get_element_by_id(id)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
                    .map(|s| s.value())
            })
        })
        .unwrap_or_default()
}

fn checked(id: &str) -> bool {
    gloo::utils::document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

/// Number fields of the configuration panel: (key, catalogue key).
const NUMBER_FIELDS: [(&str, &str); 8] = [
    ("cpus", "ui.cfg.cpus"),
    ("nodes", "ui.cfg.nodes"),
    ("seed", "ui.cfg.seed"),
    ("per_cpu_cache_size", "ui.cfg.per_cpu_cache_size"),
    ("bulk_transfer_size", "ui.cfg.bulk_transfer_size"),
    ("max_color_offset", "ui.cfg.max_color_offset"),
    ("slab_release_threshold", "ui.cfg.slab_release_threshold"),
    ("emergency_shrink_ratio", "ui.cfg.emergency_shrink_ratio"),
];
const SWITCHES: [(&str, &str); 4] = [
    ("pcp", "ui.cfg.pcp"),
    ("hardened", "ui.cfg.hardened"),
    ("freelist_random", "ui.cfg.freelist_random"),
    ("superslab_release", "ui.cfg.superslab_release"),
];

fn mem_text(bytes: u64) -> String {
    match bytes {
        b if b.is_multiple_of(1 << 30) => format!("{}G", b >> 30),
        b if b.is_multiple_of(1 << 20) => format!("{}M", b >> 20),
        b if b.is_multiple_of(1 << 10) => format!("{}K", b >> 10),
        b => b.to_string(),
    }
}

fn set_value(id: &str, v: &str) {
    let Some(el) = gloo::utils::document().get_element_by_id(id) else { return };
    match el.dyn_into::<web_sys::HtmlInputElement>() {
        Ok(i) => i.set_value(v),
        Err(el) => {
            if let Ok(s) = el.dyn_into::<web_sys::HtmlSelectElement>() {
                s.set_value(v);
            }
        }
    }
}

fn set_checked(id: &str, on: bool) {
    if let Some(i) =
        gloo::utils::document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        i.set_checked(on);
    }
}

/// Put the document's configuration and workload into the form fields.
fn fill_fields(c: &MachineConfig, wl: &Workload) {
    let a = &c.aether;
    for (k, v) in [
        ("cpus", c.cpus.to_string()),
        ("nodes", c.nodes.to_string()),
        ("seed", c.seed.to_string()),
        ("per_cpu_cache_size", a.per_cpu_cache_size.to_string()),
        ("bulk_transfer_size", a.bulk_transfer_size.to_string()),
        ("max_color_offset", a.max_color_offset.to_string()),
        ("slab_release_threshold", a.slab_release_threshold.to_string()),
        ("emergency_shrink_ratio", a.emergency_shrink_ratio.to_string()),
        ("mem", mem_text(c.mem_bytes)),
        ("percpu", if c.magazines { "magazine" } else { "none" }.to_string()),
        ("slab", slabscope_core::slab::policy_info(c.slab).name.to_string()),
    ] {
        set_value(&format!("cfg-{k}"), &v);
    }
    let letters: String =
        [('F', CacheFlags::CHECKS), ('Z', CacheFlags::REDZONE), ('P', CacheFlags::POISON), ('U', CacheFlags::USER)]
            .iter()
            .filter(|(_, f)| c.slub_debug.has(*f))
            .map(|(l, _)| *l)
            .collect();
    set_value("cfg-slub_debug", &letters);
    for (k, on) in [
        ("pcp", c.pcp),
        ("hardened", c.hardened),
        ("freelist_random", c.freelist_random),
        ("superslab_release", c.superslab_release),
    ] {
        set_checked(&format!("cfg-{k}"), on);
    }
    set_value("wl-seed", &wl.seed.to_string());
    set_value("wl-count", &wl.count.to_string());
    set_value("wl-mix", &wl.mix);
}

#[function_component(SandboxPanel)]
pub fn sandbox_panel(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let c = &p.config;
    let [pg, obj, blk] = p.lists;
    let last = |name: &str, n: usize| (n > 0).then(|| format!("{name}[{}]", n - 1));
    let buttons: Vec<(&str, Option<String>, &str)> = vec![
        ("op-alloc0", Some("pages alloc order=0 as=pg[]".into()), "ui.ops.alloc0"),
        ("op-alloc2", Some("pages alloc order=2 as=pg[]".into()), "ui.ops.alloc2"),
        ("op-free-page", last("pg", pg).map(|r| format!("pages free {r}")), "ui.ops.free_page"),
        ("op-kmalloc64", Some("kmalloc 64 as=obj[]".into()), "ui.ops.kmalloc64"),
        ("op-kmalloc256", Some("kmalloc 256 as=obj[]".into()), "ui.ops.kmalloc256"),
        ("op-kfree", last("obj", obj).map(|r| format!("kfree {r}")), "ui.ops.kfree"),
        ("op-malloc", Some("malloc 32 as=blk[]".into()), "ui.ops.malloc"),
        ("op-free-block", last("blk", blk).map(|r| format!("free {r}")), "ui.ops.free_block"),
        ("op-shrink", Some("shrink".into()), "ui.ops.shrink"),
    ];
    let op_buttons = buttons.into_iter().map(|(id, cmd, key)| {
        let on_command = p.on_command.clone();
        let label = t(lang, key);
        match cmd {
            Some(cmd) => {
                let c2 = cmd.clone();
                html! {
                    <button id={id} class="op-button" title={cmd.clone()} onclick={Callback::from(move |_| on_command.emit(c2.clone()))}>
                        { label }<code>{ cmd }</code>
                    </button>
                }
            }
            None => html! { <button id={id} class="op-button" disabled=true>{ label }<code>{ "—" }</code></button> },
        }
    });

    // Building a large workload takes a moment: say so first, then build on the next task.
    let busy = use_state(|| false);
    let on_workload = {
        let cb = p.on_workload.clone();
        let busy = busy.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let seed = input_value("wl-seed").trim().parse().unwrap_or(0);
            let count = input_value("wl-count").trim().parse().unwrap_or(0);
            let w = Workload { seed, count, mix: input_value("wl-mix") };
            busy.set(true);
            let (cb, busy) = (cb.clone(), busy.clone());
            gloo::timers::callback::Timeout::new(40, move || {
                cb.emit(w);
                busy.set(false);
            })
            .forget();
        })
    };
    let wl = p.workload.clone().unwrap_or(Workload { seed: 1, count: 2000, mix: "pages".into() });
    let mixes = ["pages", "slab", "superslab", "mixed"].map(|m| {
        html! { <option value={m}>{ t(lang, &format!("ui.mix.{m}")) }</option> }
    });

    let on_config = {
        let cb = p.on_config.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut s = vec![format!("mem={}", input_value("cfg-mem").trim())];
            for (k, _) in NUMBER_FIELDS {
                s.push(format!("{k}={}", input_value(&format!("cfg-{k}")).trim()));
            }
            for (k, _) in SWITCHES {
                s.push(format!("{k}={}", if checked(&format!("cfg-{k}")) { "on" } else { "off" }));
            }
            s.push(format!("slab={}", input_value("cfg-slab")));
            s.push(format!("percpu={}", input_value("cfg-percpu")));
            let dbg = input_value("cfg-slub_debug").trim().to_string();
            s.push(format!("slub_debug={}", if dbg.is_empty() { "-".into() } else { dbg }));
            cb.emit(s.join(" "));
        })
    };
    let numbers = NUMBER_FIELDS.map(|(k, key)| {
        let id = format!("cfg-{k}");
        html! {
            <label class="cfg-field" for={id.clone()}>{ t(lang, key) }
                <input id={id} type="text" inputmode="numeric" size="5" />
            </label>
        }
    });
    let switches = SWITCHES.map(|(k, key)| {
        let id = format!("cfg-{k}");
        html! {
            <label class="cfg-field cfg-switch" for={id.clone()}>
                <input id={id} type="checkbox" />{ t(lang, key) }
            </label>
        }
    });
    // The fields are not controlled (a re-render while playing would undo typing): they are
    // filled from the document when it changes.
    {
        let wl = wl.clone();
        use_effect_with((c.clone(), wl), |(c, wl)| fill_fields(c, wl));
    }
    let policies: Html = slabscope_core::slab::POLICIES
        .iter()
        .map(|p| html! { <option value={p.name}>{ t(lang, &format!("ui.cfg.slab.{}", p.name)) }</option> })
        .collect();

    let on_download = {
        let export = p.export.clone();
        Callback::from(move |_| {
            let text = export.emit(());
            let blob = gloo::file::Blob::new_with_options(text.as_str(), Some("text/plain"));
            let url = gloo::file::ObjectUrl::from(blob);
            let doc = gloo::utils::document();
            if let Ok(a) = doc.create_element("a") {
                let _ = a.set_attribute("href", &url);
                let _ = a.set_attribute("download", "slabscope.ops");
                if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
                    a.click();
                }
            }
            // Keep the URL alive until the download has started.
            gloo::timers::callback::Timeout::new(1000, move || drop(url)).forget();
        })
    };
    let on_upload = {
        let cb = p.on_upload.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let name = file.name();
            let cb = cb.clone();
            crate::components::util::read_text(file, move |text| cb.emit((name, text)));
        })
    };

    html! {
        <section id="sandbox" class="panel sandbox" data-panel="sandbox" aria-label={t(lang, "ui.mode.sandbox")}>
            <div class="sandbox-row">
                <h2>{ t(lang, "ui.ops.heading") }</h2>
                <div class="op-buttons" role="group" aria-label={t(lang, "ui.ops.heading")}>{ for op_buttons }</div>
            </div>
            <form id="workload" class="sandbox-row sandbox-form" onsubmit={on_workload}>
                <h2>{ t(lang, "ui.wl.heading") }</h2>
                <label class="cfg-field" for="wl-seed">{ t(lang, "ui.wl.seed") }
                    <input id="wl-seed" type="text" inputmode="numeric" size="6" /></label>
                <label class="cfg-field" for="wl-count">{ t(lang, "ui.wl.count") }
                    <input id="wl-count" type="text" inputmode="numeric" size="8" /></label>
                <label class="cfg-field" for="wl-mix">{ t(lang, "ui.wl.mix") }
                    <select id="wl-mix">{ for mixes }</select></label>
                <button id="wl-run" type="submit" disabled={*busy || p.building.is_some()} aria-busy={(*busy || p.building.is_some()).to_string()}>
                    { if *busy || p.building.is_some() { t(lang, "ui.wl.busy") } else { t(lang, "ui.wl.run") } }
                </button>
                if let Some((done, total)) = p.building {
                    <progress id="wl-progress" max={total.to_string()} value={done.to_string()}
                              aria-label={t(lang, "ui.wl.busy")}></progress>
                }
            </form>
            <details id="config-panel" class="sandbox-row">
                <summary>{ t(lang, "ui.cfg.heading") }</summary>
                <form id="config-form" class="sandbox-form" onsubmit={on_config}>
                    <label class="cfg-field" for="cfg-mem">{ t(lang, "ui.cfg.mem") }
                        <input id="cfg-mem" type="text" size="6" /></label>
                    { for numbers }
                    <label class="cfg-field" for="cfg-slab">{ t(lang, "ui.cfg.slab") }
                        <select id="cfg-slab">{ policies }</select></label>
                    <label class="cfg-field" for="cfg-percpu">{ t(lang, "ui.cfg.percpu") }
                        <select id="cfg-percpu">
                            <option value="none">{ t(lang, "ui.cfg.percpu.none") }</option>
                            <option value="magazine">{ t(lang, "ui.cfg.percpu.magazine") }</option>
                        </select></label>
                    <label class="cfg-field" for="cfg-slub_debug">{ t(lang, "ui.cfg.slub_debug") }
                        <input id="cfg-slub_debug" type="text" size="4" placeholder="FZPU" /></label>
                    { for switches }
                    <button id="apply-config" type="submit">{ t(lang, "ui.cfg.apply") }</button>
                </form>
            </details>
            <div class="sandbox-row">
                <button id="download-script" onclick={on_download}>{ t(lang, "ui.script.download") }</button>
                <label class="file-button">{ t(lang, "ui.script.upload") }
                    <input id="script-file" type="file" accept=".ops,.txt" onchange={on_upload} /></label>
            </div>
            <p id="sandbox-error" class="command-error" role="alert">{ p.error.clone().unwrap_or_default() }</p>
        </section>
    }
}
