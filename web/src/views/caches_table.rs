//! The caches table, like `slabtop`: sortable, merged caches marked with their aliases.

use slabscope_core::event::EntityRef;
use slabscope_core::layers::CacheRow;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::Ctx;
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Objects,
    Active,
    Size,
    Slabs,
    Efficiency,
}

const COLS: [(Col, &str); 6] = [
    (Col::Objects, "vis.col.objects"),
    (Col::Active, "vis.col.active"),
    (Col::Size, "vis.col.size"),
    (Col::Slabs, "vis.col.slabs"),
    (Col::Efficiency, "vis.col.efficiency"),
    (Col::Name, "vis.col.name"),
];

fn key(r: &CacheRow, col: Col) -> (u64, String) {
    let n = match col {
        Col::Name => 0,
        Col::Objects => r.objects,
        Col::Active => r.active,
        Col::Size => u64::from(r.size),
        Col::Slabs => r.slabs,
        Col::Efficiency => u64::from(r.efficiency_permille),
    };
    (n, r.name.clone())
}

#[function_component(CachesTable)]
pub fn caches_table(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let sort = use_state(|| (Col::Objects, true));
    let (col, desc) = *sort;
    let mut rows: Vec<&CacheRow> = ctx.snap.snap.cache_rows.iter().collect();
    // Ties keep name order, whichever way the column sorts.
    slabscope_core::sort::sort_by(&mut rows, |a, b| {
        let (ka, kb) = (key(a, col), key(b, col));
        let o = if desc { kb.0.cmp(&ka.0) } else { ka.0.cmp(&kb.0) };
        o.then_with(|| if col == Col::Name && desc { kb.1.cmp(&ka.1) } else { ka.1.cmp(&kb.1) })
    });
    let header = COLS.iter().map(|&(c, k)| {
        let sort = sort.clone();
        let on = Callback::from(move |_| sort.set((c, if col == c { !desc } else { c != Col::Name })));
        let aria = if col == c {
            if desc {
                "descending"
            } else {
                "ascending"
            }
        } else {
            "none"
        };
        let mark = if col == c {
            if desc {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        };
        html! {
            <th scope="col" aria-sort={aria} title={(c == Col::Active).then(|| t(lang, "vis.col.active_help"))}>
                <button class="sort" id={format!("sort-{}", k.trim_start_matches("vis.col."))} onclick={on}>
                    { t(lang, k) }{ mark }
                </button>
            </th>
        }
    });
    let selected_cache = match ctx.selection {
        Some(EntityRef::Cache { cache }) => Some(cache),
        _ => None,
    };
    let body = rows.iter().map(|r| {
        let e = EntityRef::Cache { cache: r.id };
        let sel = selected_cache == Some(r.id);
        let rel = ctx.focus.cache == Some(r.id);
        let aliases = (!r.aliases.is_empty()).then(|| {
            html! {
                <span class="alias-mark" title={tf(lang, "vis.aliases", &[("names", r.aliases.join(", "))])}>
                    { format!(" ⇄ {}", r.aliases.join(", ")) }
                </span>
            }
        });
        html! {
            <tr id={format!("cache-row-{}", r.id)} data-cache={r.id.to_string()} tabindex="0"
                class={classes!("cache-row", sel.then_some("sel"), rel.then_some("rel"))}
                aria-current={sel.then_some("true")}
                onclick={ctx.select(e)} onkeydown={ctx.key_select(e)}
                onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>
                <td class="num">{ r.objects }</td>
                <td class="num">{ r.active }</td>
                <td class="num">{ r.size }</td>
                <td class="num">{ r.slabs }</td>
                <td class="num">{ format!("{}.{}%", r.efficiency_permille / 10, r.efficiency_permille % 10) }</td>
                <th scope="row" class="name">{ r.name.clone() }{ for aliases }</th>
            </tr>
        }
    });
    html! {
        <section class="panel vis-panel" data-panel="caches" aria-labelledby="caches-title">
            <h2 id="caches-title">{ t(lang, "vis.caches") }
                if !rows.is_empty() { <ExportButtons target="caches-table" name="caches" /> }</h2>
            if rows.is_empty() {
                <p class="muted">{ t(lang, "vis.no_caches") }</p>
            } else {
                <div class="caches-scroll">
                    <table id="caches-table" class="caches-table">
                        <thead><tr>{ for header }</tr></thead>
                        <tbody>{ for body }</tbody>
                    </table>
                </div>
            }
        </section>
    }
}
