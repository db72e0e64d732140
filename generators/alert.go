package generators

// Alert kinds and severities.
const (
	// AlertHarm: a method made the classifier worse on the rare classes
	// than a baseline, by more than the noise (see package evaluate).
	AlertHarm = "harm"
	// AlertCaveat: a known limit of a generator, such as composites
	// added to a training set of single images, or of a measurement, such
	// as a held-out split too small to judge harm finely.
	AlertCaveat = "caveat"

	SeverityRed   = "red"   // worse than adding nothing
	SeverityAmber = "amber" // worse than a trivial baseline, or a caveat
)

// Alert is a warning that a job's report and an evaluation's leaderboard
// show prominently: report.json's top-level "alerts" (the quality hook's
// and the generator report's "alerts" entry, a []Alert, together), the
// banner of report.html, and the job result's Alerts, which the CLI
// prints.
type Alert struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	// Judge is the classifier whose figures raised a harm alert
	// ("logreg"); Method the variant or generator it is about.
	Judge  string `json:"judge,omitempty"`
	Method string `json:"method,omitempty"`
	// Metric ("minority_f1", "balanced_accuracy") fell by -Lift (the
	// mean paired lift, negative) under the baseline Over, by more than
	// Threshold = max(Noise, floor, resolution), Noise being the spread
	// across seeds and the resolution the change one held-out test
	// example makes to Metric (the finest change the test set can show;
	// the Message says when it set the Threshold). Absent numbers are 0.
	Metric    string  `json:"metric,omitempty"`
	Over      string  `json:"over,omitempty"`
	Lift      float64 `json:"lift,omitempty"`
	Noise     float64 `json:"noise,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// Message is one line for people: what, by how much, against what.
	Message string `json:"message"`
}

// Banner is the alert's CSS class in report.html and an evaluation's
// page: "alert-red" or "alert-amber".
func (a Alert) Banner() string {
	if a.Severity == SeverityRed {
		return "alert-red"
	}
	return "alert-amber"
}
