// Helpers for the instrument layout: each mode shows its own views by default (the rest one click
// away in #view-picker), and the sandbox's tools live in the #tools drawer.

/**
 * Show views through the view picker (all of them when `ids` is omitted), as a user would click
 * them; a page without a picture (lesson index, empty trace mode, a lesson frame) is returned as is.
 */
export async function showViews(page, ids) {
  if ((await page.locator('#view-picker').count()) === 0) return page;
  const wanted = ids ?? (await page.$$eval('#view-picker [data-view-toggle]', (l) => l.map((e) => e.dataset.viewToggle)));
  for (const id of wanted) {
    const chip = page.locator(`#view-picker [data-view-toggle="${id}"]`);
    if ((await chip.getAttribute('aria-pressed')) === 'false') {
      await chip.click();
      await page.waitForSelector(`#view-picker [data-view-toggle="${id}"][aria-pressed="true"]`);
    }
  }
  return page;
}

/** Open the sandbox's tools drawer (common operations, workload, configuration, script). */
export async function openTools(page) {
  if (!(await page.$eval('#tools', (d) => d.open))) await page.click('#tools > summary');
}

/** True when the element's box lies inside the viewport (at least `min` px of it on each axis). */
export async function inViewport(scope, selector, min = 1) {
  return scope.locator(selector).first().evaluate((el, min) => {
    const r = el.getBoundingClientRect();
    const w = window.innerWidth, h = window.innerHeight;
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.top + min <= h && r.left + min <= w && r.right <= w + 0.5;
  }, min);
}

/** No horizontal overflow: the document is no wider than the window. */
export async function noHorizontalOverflow(scope) {
  return scope.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth);
}
