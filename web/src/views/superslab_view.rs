//! The SuperSlab view: each 2 MiB SuperSlab with its 32 slabs (fill = blocks in use of the
//! slab's capacity; never-initialised slabs hatched), `total_active_blocks`, its state (born /
//! live / empty / returned since the last step shown), and each thread's TLS slab pointers.

use std::collections::BTreeSet;

use slabscope_core::event::EntityRef;
use slabscope_core::superslab::class_size;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::{Ctx, Snap};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
    /// The same ops with `superslab_release` flipped: ((resident bytes, SuperSlabs), shown at
    /// this very step (false: at the end of the current operation)).
    #[prop_or_default]
    pub flipped: Option<((u64, usize), bool)>,
}

const MAX_SS: usize = 16;
const CW: f64 = 38.0;
const CH: f64 = 20.0;
const PER_ROW: u32 = 16;
const WIDTH: f64 = 16.0 * CW + 8.0;

/// The set of `ids`, inserted one by one (#14: `collect` into a set sorts a vector first, a copy
/// of the standard library's sort in the wasm).
fn id_set(ids: impl Iterator<Item = u32>) -> BTreeSet<u32> {
    let mut set = BTreeSet::new();
    set.extend(ids);
    set
}

#[function_component(SuperSlabView)]
pub fn superslab_view(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &ctx.snap.snap;
    // (snapshot identity, ids at the step drawn before (None: nothing drawn before), ids now):
    // births and returns since that step.
    let prev = use_mut_ref(|| (None::<Snap>, None::<BTreeSet<u32>>, BTreeSet::<u32>::new()));
    let ids = id_set(snap.superslabs.iter().map(|s| s.id));
    let key = Some(ctx.snap.clone());
    let (born, returned) = {
        let mut prev = prev.borrow_mut();
        if prev.0 != key {
            let before = prev.0.is_some().then(|| std::mem::take(&mut prev.2));
            *prev = (key, before, ids.clone());
        }
        match &prev.1 {
            None => (BTreeSet::new(), BTreeSet::new()),
            Some(before) => (id_set(ids.difference(before).copied()), id_set(before.difference(&ids).copied())),
        }
    };
    let mut y = 4.0;
    let mut body = Vec::new();
    for ss in snap.superslabs.iter().take(MAX_SS) {
        let e = EntityRef::SuperSlab { id: ss.id };
        let sel = ctx.focus.superslab == Some(ss.id);
        let is_born = born.contains(&ss.id);
        let state = if ss.total_active_blocks > 0 { "live" } else { "empty" };
        let state_text = if is_born {
            format!("{}, {}", t(lang, "vis.ss_state.born"), t(lang, &format!("vis.ss_state.{state}")))
        } else {
            t(lang, &format!("vis.ss_state.{state}"))
        };
        let tls: Vec<(u16, u32)> = snap
            .superslab_threads
            .iter()
            .filter_map(|(tid, st)| {
                st.tls
                    .get(usize::from(ss.class))
                    .copied()
                    .flatten()
                    .filter(|&(id, _)| id == ss.id)
                    .map(|(_, s)| (*tid, s))
            })
            .collect();
        let cells = ss.slabs.iter().enumerate().map(|(i, sl)| {
            let i = i as u32;
            let (x, cy) = (4.0 + f64::from(i % PER_ROW) * CW, y + 22.0 + f64::from(i / PER_ROW) * (CH + 12.0));
            let frac = if sl.capacity == 0 { 0.0 } else { f64::from(sl.used) / f64::from(sl.capacity) };
            let fill_h = CH * frac;
            let tls_here: Vec<u16> = tls.iter().filter(|&&(_, s)| s == i).map(|&(t, _)| t).collect();
            html! {
                <g class="ss-slab" data-slab={i.to_string()} data-used={sl.used.to_string()}>
                    <rect class={classes!("ss-cell", (!sl.init).then_some("uninit"))} x={format!("{x:.1}")} y={format!("{cy:.1}")}
                          width={(CW - 4.0).to_string()} height={CH.to_string()}>
                        <title>{ tf(lang, "vis.ss_slab", &[("i", i.to_string()), ("used", sl.used.to_string()), ("cap", sl.capacity.to_string()), ("carved", sl.carved.to_string())]) }</title>
                    </rect>
                    if fill_h > 0.0 {
                        <rect class="ss-used" x={format!("{x:.1}")} y={format!("{:.1}", cy + CH - fill_h)} width={(CW - 4.0).to_string()} height={format!("{fill_h:.1}")} />
                    }
                    if !tls_here.is_empty() {
                        <text class="ss-tls" x={format!("{:.1}", x + 1.0)} y={format!("{:.1}", cy + CH + 10.0)}>
                            { format!("▲T{}", tls_here.iter().map(u16::to_string).collect::<Vec<_>>().join(",")) }
                        </text>
                    }
                </g>
            }
        });
        body.push(html! {
            <g id={format!("ss-{}", ss.id)} class={classes!("superslab", state, is_born.then_some("born"), sel.then_some("sel"))} data-state={state}
               data-born={is_born.to_string()}
               data-active={ss.total_active_blocks.to_string()}>
                <rect class="ss-bg" x="0" y={format!("{y:.1}")} width={WIDTH.to_string()} height="90" />
                <text class="ss-title" x="4" y={format!("{:.1}", y + 15.0)} tabindex="0" role="button"
                      aria-pressed={(ctx.selection == Some(e)).to_string()}
                      onclick={ctx.select(e)} onkeydown={ctx.key_select(e)} onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>
                    { tf(lang, "vis.ss_title", &[("id", ss.id.to_string()), ("size", class_size(ss.class).to_string()),
                        ("active", ss.total_active_blocks.to_string()), ("state", state_text), ("pfn", format!("{:#x}", ss.pfn))]) }
                </text>
                { for cells }
            </g>
        });
        y += 96.0;
    }
    for id in &returned {
        body.push(html! {
            <text id={format!("ss-returned-{id}")} class="superslab returned" data-state="returned" x="4" y={format!("{:.1}", y + 14.0)}>
                { tf(lang, "vis.ss_returned", &[("id", id.to_string())]) }
            </text>
        });
        y += 22.0;
    }
    if snap.superslabs.len() > MAX_SS {
        body.push(html! { <text class="more" x="4" y={format!("{:.1}", y + 14.0)}>{ tf(lang, "vis.more", &[("n", (snap.superslabs.len() - MAX_SS).to_string())]) }</text> });
        y += 22.0;
    }
    if snap.superslabs.is_empty() && returned.is_empty() {
        body.push(html! { <text class="muted-text" x="4" y="16">{ t(lang, "vis.no_superslabs") }</text> });
        y += 24.0;
    }
    let threads = snap.superslab_threads.iter().map(|(tid, st)| {
        let tls: Vec<String> = st
            .tls
            .iter()
            .enumerate()
            .filter_map(|(c, p)| p.map(|(id, s)| format!("{} B → #{id}/{s}", class_size(c as u8))))
            .collect();
        let mags: usize = st.magazines.iter().map(Vec::len).sum();
        html! { <li id={format!("thread-{tid}")}>{ tf(lang, "vis.thread", &[("t", tid.to_string()), ("tls", if tls.is_empty() { "—".into() } else { tls.join(", ") }), ("mag", mags.to_string())]) }</li> }
    });
    let h = y + 6.0;
    // Release on vs off, side by side.
    let compare = p.flipped.map(|((other_bytes, other_n), exact)| {
        let here = (snap.superslab_resident, snap.superslabs.len());
        let on_is_here = snap.config.superslab_release;
        let (on, off) = if on_is_here { (here, (other_bytes, other_n)) } else { ((other_bytes, other_n), here) };
        let max = on.0.max(off.0).max(1) as f64;
        let col = |id: &str, key: &str, (bytes, n): (u64, usize), current: bool| {
            let w = 200.0 * bytes as f64 / max;
            html! {
                <div class={classes!("ss-compare-col", current.then_some("current"))} id={id.to_string()}
                     data-resident={bytes.to_string()} data-count={n.to_string()}>
                    <div class="ss-compare-title">{ t(lang, key) }{ if current { format!(" ({})", t(lang, "vis.ss_this_machine")) } else { String::new() } }</div>
                    <svg width="210" height="18" role="img" aria-label={format!("{} KiB", bytes / 1024)}>
                        <rect class="bar-total" x="0" y="2" width="200" height="14" />
                        <rect class="bar-value" x="0" y="2" width={format!("{w:.1}")} height="14" />
                    </svg>
                    <div>{ tf(lang, "vis.ss_compare_line", &[("n", n.to_string()), ("kib", (bytes / 1024).to_string())]) }</div>
                </div>
            }
        };
        html! {
            <div class="ss-compare" id="ss-compare">
                { col("ss-compare-on", "vis.ss_release_on", on, on_is_here) }
                { col("ss-compare-off", "vis.ss_release_off", off, !on_is_here) }
                if !exact { <p class="muted">{ t(lang, "vis.ss_compare_op_end") }</p> }
            </div>
        }
    });
    html! {
        <section class="panel vis-panel" data-panel="superslab" aria-labelledby="superslab-title">
            <h2 id="superslab-title">{ t(lang, "vis.superslabs") }<ExportButtons target="superslab-svg" name="superslab" /></h2>
            <p id="superslab-summary">{ tf(lang, "vis.ss_summary", &[("n", snap.superslabs.len().to_string()),
                ("kib", (snap.superslab_resident / 1024).to_string()),
                ("release", t(lang, if snap.config.superslab_release { "vis.release_on" } else { "vis.release_off" }))]) }</p>
            { for compare }
            <svg id="superslab-svg" viewBox={format!("0 0 {WIDTH} {h:.0}")} width={WIDTH.to_string()} height={format!("{h:.0}")}
                 role="group" aria-label={t(lang, "vis.superslabs")}>
                { for body }
            </svg>
            <ul class="threads">{ for threads }</ul>
        </section>
    }
}
