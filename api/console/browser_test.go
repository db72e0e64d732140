package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// tab is one browser tab on the console of a server.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *server
	// shots is where screenshots go; empty: none are taken.
	shots string

	mu        sync.Mutex
	jsErrors  []string
	downloads chan string // GUIDs of completed downloads
}

// newTab starts a headless chromium with a laptop-sized window.
func newTab(t *testing.T, srv *server) *tab {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &tab{t: t, ctx: ctx, srv: srv, downloads: make(chan string, 8)}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			msg := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			b.jsErrors = append(b.jsErrors, msg)
			b.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.mu.Lock()
				b.jsErrors = append(b.jsErrors, "console.error: "+strings.Join(parts, " "))
				b.mu.Unlock()
			}
		}
	})
	if err == nil {
		err = chromedp.ListenBrowser(ctx, func(ev any) {
			if ev, ok := ev.(*browser.EventDownloadProgress); ok && ev.State == browser.DownloadProgressStateCompleted {
				select {
				case b.downloads <- ev.GUID:
				default:
				}
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	// A laptop screen's viewport, whatever the window's frame takes.
	b.run("viewport", chromedp.EmulateViewport(1280, 800))
	return b
}

func (b *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	// Query actions wait for their element without end: bound them.
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage:\n%s", what, err, b.pageText())
	}
}

// pageText is the visible text of the page, for failure messages.
func (b *tab) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	return text
}

// wait polls the JavaScript expression until it is true.
func (b *tab) wait(what, expr string, timeout time.Duration) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool]("!!("+expr+")",
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		b.t.Fatalf("waiting for %s (%s): %v\npage:\n%s", what, timeout, err, b.pageText())
	}
}

// eval evaluates expr into out.
func (b *tab) eval(expr string, out any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[json.RawMessage](expr))
	if err == nil && out != nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		b.t.Fatalf("evaluate %s: %v\npage:\n%s", expr, err, b.pageText())
	}
}

// js quotes s as a JavaScript string.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func sel(testid string) string { return fmt.Sprintf(`[data-testid=%q]`, testid) }

// go navigates the console to a hash route.
func (b *tab) goTo(route string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`location.hash = %s`, js(route)), nil)
}

func (b *tab) click(what, css string) {
	b.t.Helper()
	b.run("click "+what, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// set gives a form control a value as a user would, firing input and
// change.
func (b *tab) set(css, value string) {
	b.t.Helper()
	var found bool
	b.eval(fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false;
		el.value = %s; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`,
		js(css), js(value)), &found)
	if !found {
		b.t.Fatalf("no element %s\npage:\n%s", css, b.pageText())
	}
}

func (b *tab) text(css string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, js(css)), &s)
	return strings.TrimSpace(s)
}

// noJSErrors fails the test on an uncaught exception or console.error.
func (b *tab) noJSErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.jsErrors) > 0 {
		b.t.Errorf("JavaScript errors in the console:\n%s", strings.Join(b.jsErrors, "\n"))
	}
}

// screenshot writes the viewport to docs/images/console-<name>.png when
// screenshots are on.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	b.run("settle", chromedp.Sleep(300*time.Millisecond))
	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(b.shots, "console-"+name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s (%d KiB)", p, len(buf)/1024)
}

// waitReportImages waits until the report frame, which loads path, shows
// every picture decoded to a non-empty image, and returns how many. The
// report is served sandboxed (an opaque origin, in a process of its own),
// so its document is read through its own DevTools target.
func (b *tab) waitReportImages(path string, timeout time.Duration) int {
	b.t.Helper()
	var src string
	b.eval(`(document.querySelector('[data-testid="report-frame"]') || {}).src || ""`, &src)
	if !strings.HasSuffix(src, path) {
		b.t.Fatalf("the report frame loads %q, want …%s\npage:\n%s", src, path, b.pageText())
	}
	type state struct {
		Ready         string
		Total, Loaded int
	}
	var last state
	var lastErr error
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		targets, err := chromedp.Targets(b.ctx)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, ti := range targets {
			if ti.Type != "iframe" || !strings.HasSuffix(ti.URL, path) {
				continue
			}
			fctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
			last, lastErr = chromedp.Run(fctx, chromedp.Evaluate[state](`(() => { const imgs = [...document.images];
				return {Ready: document.readyState, Total: imgs.length, Loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length} })()`))
			cancel()
			if lastErr == nil && last.Ready == "complete" && last.Total > 0 && last.Loaded == last.Total {
				return last.Total
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("the report %s: %d of %d pictures loaded, document %q (%v) after %s", path, last.Loaded, last.Total, last.Ready, lastErr, timeout)
	return 0
}

func TestConsole(t *testing.T) {
	chromiumPath(t)
	for _, tc := range []struct {
		name string
		opts serverOptions
	}{
		{"local", serverOptions{}},
		// Without API keys: the console must work with none.
		{"s3-open", serverOptions{s3: true, open: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each its own server and browser; the evaluations overlap
			consoleFlow(t, tc.opts, tc.name == "local" && os.Getenv(envScreenshots) == "1")
		})
	}
}

// ganParams make a wgan-gp small enough to train in a second on two
// cores; steps is the number of training steps.
func ganParams(steps int) map[string]any {
	return map[string]any{"steps": steps, "base": 8, "batch_size": 8, "z_dim": 16, "checkpoint_every": 0, "memorization_samples": 16}
}

func consoleFlow(t *testing.T, o serverOptions, shots bool) {
	start := time.Now()
	phase := func(name string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), name) }
	srv := startServer(t, o)
	// The slow parts run while the browser works: an evaluation (its
	// leaderboard is checked last) and a short GAN training (a model).
	var ev struct {
		Evaluation job `json:"evaluation"`
	}
	srv.call(t, "POST", "/v1/evaluations", map[string]any{"dataset": srv.Dataset, "methods": []map[string]any{{"generator": "augment"}},
		"seeds": []int{1}, "judges": []string{"logreg"}}, &ev)
	gan := srv.submitJob(t, map[string]any{"dataset": srv.Dataset, "generator": "wgan-gp", "seed": 3, "quality": "off", "params": ganParams(30)})

	phase("server up, evaluation and GAN submitted")
	b := newTab(t, srv)
	if shots {
		b.shots = filepath.Join("..", "..", "docs", "images")
	}

	// GET / redirects to the console.
	b.run("open the console", chromedp.Navigate(srv.URL+"/"))
	b.wait("the console", `document.querySelector('[data-testid="login-key"], [data-testid="jobs-table"]')`, 10*time.Second)
	var path string
	b.eval(`location.pathname`, &path)
	if path != "/ui/" {
		t.Errorf("GET / ended at %q, want /ui/", path)
	}
	if srv.Key == "" {
		openLogin(t, b)
	} else {
		login(t, b, srv)
	}
	phase("logged in")

	consoleFlowRest(t, srv, b, ev.Evaluation, gan, phase, shots)
}

// openLogin checks that a server without API keys asks for none.
func openLogin(t *testing.T, b *tab) {
	b.wait("the jobs page", `document.querySelectorAll('[data-testid="job-row"]').length >= 2`, 10*time.Second)
	if got := b.text(sel("auth-status")); !strings.Contains(got, "open server") {
		t.Errorf("auth status %q, want it to say the server is open", got)
	}
	var n int
	b.eval(`document.querySelectorAll('[data-testid="login-key"], [data-testid="logout"]').length`, &n)
	if n != 0 {
		t.Errorf("an open server shows a login box or a logout button (%d)", n)
	}
}

// login logs in, a wrong key first, which is refused with the server's
// message; the key is kept in sessionStorage and never in the URL.
func login(t *testing.T, b *tab, srv *server) {
	b.wait("the login box", `document.querySelector('[data-testid="login-key"]')`, 10*time.Second)
	b.screenshot("login")
	b.run("type a wrong key", chromedp.SendKeys(chromedp.CSS(sel("login-key")), "not-the-key-at-all"), chromedp.Click(chromedp.CSS(sel("login-submit"))))
	b.wait("the login error", `(document.querySelector('[data-testid="login-error"]') || {}).textContent?.includes('not valid')`, 10*time.Second)
	b.set(sel("login-key"), "")
	b.run("type the key", chromedp.SendKeys(chromedp.CSS(sel("login-key")), srv.Key), chromedp.SendKeys(chromedp.CSS(sel("login-key")), "\r"))
	b.wait("the jobs page", `document.querySelectorAll('[data-testid="job-row"]').length >= 2`, 10*time.Second)
	var stored string
	b.eval(`sessionStorage.getItem('tailsynth.apiKey') || ''`, &stored)
	if stored != srv.Key {
		t.Errorf("sessionStorage holds %q, want the key", stored)
	}
	var href string
	b.eval(`location.href`, &href)
	if strings.Contains(href, srv.Key) {
		t.Errorf("the key is in the URL %s", href)
	}
}

// consoleFlowRest is the flow once logged in; evaluation is a running
// evaluation, gan a short GAN training.
func consoleFlowRest(t *testing.T, srv *server, b *tab, evaluation, gan job, phase func(string), shots bool) {

	// An API error is shown plainly: a dataset that does not exist.
	b.goTo("/new")
	b.wait("the generators", `document.querySelector('[data-testid="generator-select"] option[value="augment"]')`, 10*time.Second)
	b.set(sel("dataset-location"), "no-such-dataset")
	b.wait("the plan's refusal", `document.querySelector('[data-testid="plan-error"]')?.textContent.includes('no-such-dataset')`, 10*time.Second)
	b.click("submit", sel("submit-job"))
	b.wait("the error", `(document.querySelector('[data-testid="error"]') || {}).textContent?.includes('no-such-dataset')`, 10*time.Second)

	// New job from the form: the plan preview, then the job's live
	// progress to the end.
	b.set(sel("dataset-location"), srv.Dataset)
	b.set(sel("generator-select"), "augment")
	b.wait("the augment parameters", `document.querySelector('[data-testid="param-field"][data-param="preset"] [data-testid="param-default"]')?.textContent.includes('light')`, 5*time.Second)
	b.wait("the plan preview", `document.querySelector('[data-testid="plan-total"]')?.textContent === '32'`, 15*time.Second)
	if got := b.text(`[data-testid="plan-row"][data-class="rare"] [data-testid="plan-add"]`); got != "32" {
		t.Errorf("plan adds %q rare samples, want 32", got)
	}
	b.set(`input[data-param="sheet_per_class"]`, "6")
	b.set(sel("seed"), "7")
	b.eval(`window.scrollTo(0, 0)`, nil)
	b.screenshot("new-job")
	b.click("submit", sel("submit-job"))
	b.wait("the job page", `location.hash.startsWith('#/jobs/job_')`, 10*time.Second)
	var hash string
	b.eval(`location.hash`, &hash)
	jobID := strings.TrimPrefix(hash, "#/jobs/")
	b.wait("the job to succeed", `document.querySelector('[data-testid="job-state"]')?.dataset.state === 'succeeded'`, 90*time.Second)
	if got := b.text(`[data-testid="class-row"][data-class="rare"] [data-testid="class-done"]`); got != "32 / 32" {
		t.Errorf("rare progress shows %q, want 32 / 32", got)
	}
	j := srv.job(t, jobID)
	if j.State != "succeeded" || j.Request.Generator != "augment" || !strings.Contains(string(j.Request.Params), `"sheet_per_class":6`) {
		t.Errorf("the submitted job: state %s, generator %s, params %s; want succeeded augment with sheet_per_class 6", j.State, j.Request.Generator, j.Request.Params)
	}

	phase("job from the form succeeded")

	// Its report, with every picture loaded.
	b.waitReportImages("/v1/jobs/"+jobID+"/files/report.html", 30*time.Second)
	b.run("scroll to the report", chromedp.ScrollIntoView(chromedp.CSS(sel("report"))))
	b.screenshot("job-report")
	b.eval(`window.scrollTo(0, 0)`, nil)
	b.screenshot("job")

	phase("report pictures loaded")

	// The file browser: folders, a picture's preview, a text preview and
	// a download whose bytes are the stored file's.
	b.wait("the file list", `document.querySelector('[data-testid="file-row"][data-path="report.json"]')`, 10*time.Second)
	b.click("data/", `[data-testid="dir-row"][data-path="data/"] button`)
	b.wait("the data/ folder", `document.querySelector('[data-testid="files-path"]')?.textContent === 'Folder: /data/'`, 10*time.Second)
	b.click("data/rare/", `[data-testid="dir-row"][data-path="data/rare/"] button`)
	b.wait("the samples", `document.querySelectorAll('[data-testid="file-row"]').length === 32`, 10*time.Second)
	b.click("a picture's preview", `[data-testid="file-row"] [data-testid="file-preview-button"]`)
	b.wait("the preview picture", `(() => { const i = document.querySelector('[data-testid="preview-image"]'); return i && i.complete && i.naturalWidth > 0 })()`, 10*time.Second)
	b.run("scroll to the files", chromedp.ScrollIntoView(chromedp.CSS(sel("files"))))
	b.screenshot("files")
	b.click("up", sel("files-up"))
	b.wait("the data/ folder", `document.querySelector('[data-testid="files-path"]')?.textContent === 'Folder: /data/'`, 10*time.Second)
	b.click("up", sel("files-up"))
	b.wait("the top folder", `document.querySelector('[data-testid="files-path"]')?.textContent === 'Folder: /'`, 10*time.Second)
	b.click("report.json's preview", `[data-testid="file-row"][data-path="report.json"] [data-testid="file-preview-button"]`)
	b.wait("the text preview", `document.querySelector('[data-testid="preview-text"]')?.textContent.trim().startsWith('{')`, 10*time.Second)
	dl := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	b.click("download report.json", `[data-testid="file-row"][data-path="report.json"] [data-testid="file-download"]`)
	select {
	case guid := <-b.downloads:
		got, err := os.ReadFile(filepath.Join(dl, guid))
		if err != nil {
			t.Fatal(err)
		}
		if want := srv.readOutput(t, j, "report.json"); !bytes.Equal(got, want) {
			t.Errorf("downloaded report.json: %d bytes differ from the stored %d bytes", len(got), len(want))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("report.json did not download within 20s")
	}

	phase("files browsed and downloaded")

	// Cancel a running job from the list: a GAN training far too long to
	// end by itself.
	if g := srv.waitJob(t, gan.ID, 60*time.Second); g.State != "succeeded" {
		t.Fatalf("the short GAN job ended %s", g.State)
	}
	slow := srv.submitJob(t, map[string]any{"dataset": srv.Dataset, "generator": "wgan-gp", "seed": 5, "quality": "off", "params": ganParams(1_000_000)})
	b.goTo("/jobs")
	row := fmt.Sprintf(`[data-testid="job-row"][data-job-id=%q]`, slow.ID)
	b.wait("the GAN job to run", fmt.Sprintf(`document.querySelector(%s)?.dataset.state === 'running'`, js(row)), 60*time.Second)
	b.wait("the GAN's progress", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes('training')`, js(row)), 30*time.Second)
	b.screenshot("jobs")
	b.click("cancel", row+` [data-testid="cancel-job"]`)
	b.wait("the GAN job to be cancelled", fmt.Sprintf(`document.querySelector(%s)?.dataset.state === 'cancelled'`, js(row)), 60*time.Second)
	if g := srv.job(t, slow.ID); g.State != "cancelled" {
		t.Errorf("the cancelled job is %s", g.State)
	}
	b.set(sel("state-filter"), "cancelled")
	b.wait("the state filter", fmt.Sprintf(`(() => { const rows = [...document.querySelectorAll('[data-testid="job-row"]')];
		return rows.length === 1 && rows[0].dataset.jobId === %s })()`, js(slow.ID)), 10*time.Second)
	b.set(sel("state-filter"), "")

	phase("GAN job cancelled")

	// Models: the short training's model, its loss curve and fingerprint.
	b.goTo("/models")
	b.wait("the model list", `document.querySelectorAll('[data-testid="model-row"]').length === 1`, 10*time.Second)
	b.screenshot("models")
	b.click("the model", `[data-testid="model-row"] a`)
	b.wait("the loss curve", `[...document.querySelectorAll('[data-testid="loss-curve"] polyline')].filter((p) => p.getAttribute('points').split(' ').length > 1).length === 3`, 10*time.Second)
	if fp := b.text(sel("model-fingerprint")); !strings.HasPrefix(fp, "sha256:") {
		t.Errorf("model fingerprint %q", fp)
	}
	b.wait("the model's source job", fmt.Sprintf(`document.querySelector('[data-testid="model-source-job"]')?.textContent === %s`, js(gan.ID)), 10*time.Second)
	b.wait("the model's sample grid", `(() => { const i = document.querySelector('[data-testid="model-samples"]'); return i && i.complete && i.naturalWidth > 0 })()`, 10*time.Second)
	b.wait("the batch size", `document.querySelector('[data-testid="model-hyperparameters"]')?.textContent.includes('batch_size')`, 5*time.Second)
	b.screenshot("model")

	phase("model checked")

	// Schedules: create, see its next run, delete.
	b.goTo("/schedules")
	b.wait("the schedule form", `document.querySelector('[data-testid="schedule-form"] [data-testid="generator-select"]')`, 10*time.Second)
	b.run("open the form", chromedp.Click(chromedp.CSS(`[data-testid="new-schedule"] summary`)))
	b.set(sel("schedule-name"), "nightly")
	b.set(sel("schedule-cron"), "0 3 * * *")
	b.set(`[data-testid="schedule-form"] [data-testid="dataset-location"]`, srv.Dataset)
	b.set(`[data-testid="schedule-form"] [data-testid="generator-select"]`, "oversample")
	b.click("create", sel("create-schedule"))
	srow := `[data-testid="schedule-row"][data-name="nightly"]`
	b.wait("the schedule", fmt.Sprintf(`document.querySelector(%s)?.querySelector('[data-testid="schedule-next"] time')`, js(srow)), 10*time.Second)
	b.eval(`window.scrollTo(0, 0)`, nil)
	b.screenshot("schedules")
	b.click("delete", srow+` [data-testid="delete-schedule"]`)
	b.click("confirm", srow+` [data-testid="delete-schedule"]`)
	b.wait("the schedule gone", fmt.Sprintf(`!document.querySelector(%s) && document.querySelector('[data-testid="schedules-empty"]')`, js(srow)), 10*time.Second)

	phase("schedule created and deleted")

	// The evaluation: a sortable leaderboard with lifts, its report, and
	// the winner run as a job.
	b.goTo("/evaluations")
	b.wait("the evaluation list", fmt.Sprintf(`document.querySelector('[data-testid="evaluation-row"][data-job-id=%q]')`, evaluation.ID), 10*time.Second)
	b.goTo("/evaluations/" + evaluation.ID)
	b.wait("the leaderboard", `document.querySelectorAll('[data-testid="leaderboard-row"]').length === 4`, 150*time.Second)
	phase("leaderboard shown")
	var names []string
	b.eval(`[...document.querySelectorAll('[data-testid="leaderboard-row"]')].map((r) => r.dataset.name)`, &names)
	if want := []string{"augment", "random_oversampling", "real", "smote"}; !slices.Equal(slices.Sorted(slices.Values(names)), want) {
		t.Errorf("leaderboard rows %v, want %v", names, want)
	}
	if got := b.text(`[data-testid="leaderboard-row"][data-name="augment"] [data-col="lift_smote"]`); got == "" {
		t.Error("augment's lift over SMOTE is empty")
	}
	b.waitReportImages("/v1/evaluations/"+evaluation.ID+"/files/report.html", 30*time.Second)
	b.screenshot("evaluation")
	b.click("sort by method", sel("sort-name"))
	b.eval(`[...document.querySelectorAll('[data-testid="leaderboard-row"]')].map((r) => r.dataset.name)`, &names)
	if !slices.IsSorted(names) {
		t.Errorf("sorted by method: %v", names)
	}
	b.click("sort by method again", sel("sort-name"))
	b.eval(`[...document.querySelectorAll('[data-testid="leaderboard-row"]')].map((r) => r.dataset.name)`, &names)
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("sorted by method, descending: %v", names)
	}
	b.click("run the winner", sel("run-winner"))
	b.wait("the winner's job", `location.hash.startsWith('#/jobs/job_')`, 10*time.Second)
	b.eval(`location.hash`, &hash)
	if w := srv.job(t, strings.TrimPrefix(hash, "#/jobs/")); w.Request.Generator != "augment" || !strings.HasSuffix(w.Request.Dataset, filepath.ToSlash(srv.Dataset)) {
		t.Errorf("the winner's job runs %s on %s, want augment on %s", w.Request.Generator, w.Request.Dataset, srv.Dataset)
	}

	phase("leaderboard sorted, winner run")

	// A narrow (phone) screen: the jobs list still fits.
	if shots {
		b.run("narrow", chromedp.EmulateViewport(390, 844))
		b.goTo("/jobs")
		b.wait("the jobs page", `document.querySelectorAll('[data-testid="job-row"]').length >= 3`, 10*time.Second)
		b.screenshot("jobs-narrow")
	}
	b.noJSErrors()
}
