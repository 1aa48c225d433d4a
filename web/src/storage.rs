//! The loaded trace kept in this browser (IndexedDB: its name and its bytes, as the `Blob` the
//! user gave), so a reload or a `#mode=trace&step=N` link reopens it. One trace is kept (the
//! last one loaded); failures (private mode, quota) only mean it is not kept.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const DB: &str = "slabscope";
const STORE: &str = "traces";
const KEY: &str = "last";

/// A promise that settles with the request's result (or its error).
fn request_promise(req: &web_sys::IdbRequest) -> js_sys::Promise {
    let req = req.clone();
    js_sys::Promise::new(&mut |resolve, reject| {
        let ok = {
            let req = req.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &req.result().unwrap_or(JsValue::UNDEFINED));
            })
        };
        let err = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB request failed"));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    })
}

async fn open_db() -> Result<web_sys::IdbDatabase, JsValue> {
    let factory = web_sys::window().ok_or("no window")?.indexed_db()?.ok_or("no IndexedDB")?;
    let req = factory.open_with_u32(DB, 1)?;
    let upgrade = {
        let req = req.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Ok(db) = req.result().and_then(|r| r.dyn_into::<web_sys::IdbDatabase>()) {
                if !db.object_store_names().contains(STORE) {
                    let _ = db.create_object_store(STORE);
                }
            }
        })
    };
    req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = JsFuture::from(request_promise(&req)).await?;
    req.set_onupgradeneeded(None);
    drop(upgrade);
    db.dyn_into::<web_sys::IdbDatabase>()
}

async fn put(name: &str, blob: &web_sys::Blob) -> Result<(), JsValue> {
    let db = open_db().await?;
    let tx = db.transaction_with_str_and_mode(STORE, web_sys::IdbTransactionMode::Readwrite)?;
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"name".into(), &name.into())?;
    js_sys::Reflect::set(&record, &"blob".into(), blob)?;
    let req = tx.object_store(STORE)?.put_with_key(&record, &KEY.into())?;
    JsFuture::from(request_promise(&req)).await?;
    db.close();
    Ok(())
}

async fn get() -> Result<Option<(String, web_sys::Blob)>, JsValue> {
    let db = open_db().await?;
    let tx = db.transaction_with_str(STORE)?;
    let req = tx.object_store(STORE)?.get(&KEY.into())?;
    let v = JsFuture::from(request_promise(&req)).await?;
    db.close();
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let name = js_sys::Reflect::get(&v, &"name".into())?.as_string().unwrap_or_default();
    let blob = js_sys::Reflect::get(&v, &"blob".into())?.dyn_into::<web_sys::Blob>()?;
    Ok(Some((name, blob)))
}

/// Keep `blob` as the trace named `name` (replacing the one kept before).
pub async fn keep_trace(name: &str, blob: &web_sys::Blob) {
    if let Err(e) = put(name, blob).await {
        web_sys::console::warn_1(&format!("slabscope: the trace is not kept in this browser: {e:?}").into());
    }
}

/// The trace kept in this browser, if any.
pub async fn kept_trace() -> Option<(String, web_sys::Blob)> {
    get().await.ok().flatten()
}
