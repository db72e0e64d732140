package configs

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment variable that configures tailsynth.
// The rest of the name is the YAML path in upper case with '_' between
// levels: server.addr is TAILSYNTH_SERVER_ADDR, storage.s3.endpoint is
// TAILSYNTH_STORAGE_S3_ENDPOINT. Lists are comma-separated.
const EnvPrefix = "TAILSYNTH_"

// envIgnored are TAILSYNTH_ variables that are not settings.
var envIgnored = []string{"TAILSYNTH_CONFIG", "TAILSYNTH_TEST_", "TAILSYNTH_VERSITYGW", "TAILSYNTH_URL", "TAILSYNTH_API_KEY"}

// EnvNames returns every accepted environment variable name.
func EnvNames() []string {
	var names []string
	walkFields(reflect.ValueOf(Default()).Elem(), "", func(name string, _ reflect.Value) {
		names = append(names, name)
	})
	return names
}

// ApplyEnv overlays settings from environ ("KEY=value" strings). An unknown
// TAILSYNTH_ variable is an error, so a typo does not pass silently.
func (c *Config) ApplyEnv(environ []string) error {
	fields := map[string]reflect.Value{}
	walkFields(reflect.ValueOf(c).Elem(), "", func(name string, v reflect.Value) { fields[name] = v })
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || ignoredEnv(name) {
			continue
		}
		f, ok := fields[name]
		if !ok {
			return fmt.Errorf("environment variable %s is not a tailsynth setting; accepted: %s", name, strings.Join(EnvNames(), ", "))
		}
		if err := setField(f, val); err != nil {
			return fmt.Errorf("environment variable %s=%q: %w", name, val, err)
		}
	}
	return nil
}

func ignoredEnv(name string) bool {
	for _, p := range envIgnored {
		if name == p || strings.HasSuffix(p, "_") && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func walkFields(v reflect.Value, prefix string, fn func(string, reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		name := prefix + strings.ToUpper(tag)
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Duration]() {
			walkFields(f, name+"_", fn)
			continue
		}
		fn(EnvPrefix+name, f)
	}
}

func setField(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s or 5m")
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		f.SetInt(n)
	case reflect.Slice:
		var xs []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				xs = append(xs, x)
			}
		}
		f.Set(reflect.ValueOf(xs))
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}
