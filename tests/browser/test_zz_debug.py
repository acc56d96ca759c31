from tests.browser.conftest import Journey

def test_debug(page, artifacts):
    j = Journey(page, artifacts, prefix="dbg-")
    page.on("request", lambda r: print("REQ", r.method, r.url[:100]) if "static" not in r.url else None)
    page.on("requestfailed", lambda r: print("FAILED", r.method, r.url[:100], r.failure))
    page.on("response", lambda r: print("RESP", r.status, r.url[:60], {k: v for k, v in r.headers.items() if 'security' in k or 'frame' in k}) if "static" not in r.url else None)
    page.goto("/modules/5?section=15")
    j.sign_in("learner4@acme.test")
    page.evaluate("document.getElementById('complete-section').addEventListener('click', () => console.log('CLICKED'))")
    page.evaluate("document.getElementById('complete-section').form.addEventListener('submit', () => console.log('SUBMIT'))")
    page.on("console", lambda m: print("CONSOLE", m.text))
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_timeout(2000)
    print(page.url)
