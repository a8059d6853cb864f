package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"starling/config"
)

// unit is a systemd unit file: section → key → values, in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, section := unit{}, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		case section == "":
			t.Fatalf("%s:%d: a directive outside a section", path, n)
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: not key=value on one line: %q", path, n, line)
			}
			key = strings.TrimSpace(key)
			u[section][key] = append(u[section][key], strings.TrimSpace(value))
		}
	}
	if err = sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// hardening is what both services must keep: a later edit that drops or
// weakens one of these fails here.
var hardening = map[string]string{
	"DynamicUser":             "yes",
	"User":                    "starling",
	"StateDirectoryMode":      "0700",
	"WorkingDirectory":        "/var/lib/starling",
	"UMask":                   "0077",
	"NoNewPrivileges":         "yes",
	"ProtectSystem":           "strict",
	"ProtectHome":             "yes",
	"PrivateTmp":              "yes",
	"PrivateDevices":          "yes",
	"PrivateUsers":            "yes",
	"ProtectKernelTunables":   "yes",
	"ProtectKernelModules":    "yes",
	"ProtectKernelLogs":       "yes",
	"ProtectControlGroups":    "yes",
	"ProtectClock":            "yes",
	"ProtectHostname":         "yes",
	"ProtectProc":             "invisible",
	"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	"RestrictNamespaces":      "yes",
	"RestrictRealtime":        "yes",
	"RestrictSUIDSGID":        "yes",
	"LockPersonality":         "yes",
	"MemoryDenyWriteExecute":  "yes",
	"CapabilityBoundingSet":   "",
	"AmbientCapabilities":     "",
	"SystemCallArchitectures": "native",
	"SystemCallFilter":        "@system-service ~@privileged",
	"SystemCallErrorNumber":   "EPERM",
	"EnvironmentFile":         "/etc/starling/secrets.env",
}

func TestServicesKeepTheirHardening(t *testing.T) {
	for _, name := range []string{"starling.service", "starling-backup.service"} {
		t.Run(name, func(t *testing.T) {
			svc := parseUnit(t, name)["Service"]
			if svc == nil {
				t.Fatal("no [Service] section")
			}
			for key, want := range hardening {
				values, ok := svc[key]
				if !ok {
					t.Errorf("%s= is missing", key)
					continue
				}
				if got := strings.Join(values, " "); got != want {
					t.Errorf("%s=%s, want %s", key, got, want)
				}
			}
			if dirs := strings.Fields(strings.Join(svc["StateDirectory"], " ")); !slices.Contains(dirs, "starling") {
				t.Errorf("StateDirectory=%v does not hold starling", dirs)
			}
			// Apertium runs as child processes from /usr/bin: nothing may
			// stop the service from executing programs there, nor from
			// reaching the homeserver.
			for _, key := range []string{"NoExecPaths", "ExecPaths", "PrivateNetwork", "IPAddressDeny", "InaccessiblePaths"} {
				if v, ok := svc[key]; ok {
					t.Errorf("%s=%v would break translation or the connection to the homeserver", key, v)
				}
			}
			for _, key := range []string{"ProtectSystem", "ProtectHome", "NoNewPrivileges"} {
				if n := len(svc[key]); n > 1 {
					t.Errorf("%s= is set %d times; the last one wins, so keep one", key, n)
				}
			}
		})
	}
	svc := parseUnit(t, "starling.service")["Service"]
	for key, want := range map[string]string{
		"ExecStart": "/usr/local/bin/starling -c /etc/starling/config.yaml",
		"Restart":   "on-failure",
	} {
		if got := strings.Join(svc[key], " "); got != want {
			t.Errorf("starling.service: %s=%s, want %s", key, got, want)
		}
	}
	backup := parseUnit(t, "starling-backup.service")["Service"]
	if got := strings.Join(backup["ExecStart"], " "); !strings.HasPrefix(got, "/usr/local/bin/starling -c /etc/starling/config.yaml backup ") {
		t.Errorf("starling-backup.service: ExecStart=%s does not run starling backup with the bot's config", got)
	}
}

// The secrets the unit's comment says to put in secrets.env are ones the
// config reads from the environment.
func TestSecretsFileNamesAreReadByConfig(t *testing.T) {
	data, err := os.ReadFile("starling.service")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`(?m)^#\s+(STARLING_[A-Z_]+)=`).FindAllStringSubmatch(string(data), -1)
	if len(names) < 2 {
		t.Fatalf("the unit's comment names %d secrets, want the password and the pickle key", len(names))
	}
	env := map[string]string{}
	for _, n := range names {
		env[n[1]] = "from-the-environment-0123456789"
	}
	yaml := []byte("homeserver: {url: 'https://matrix.example.org'}\nbot: {user_id: '@starling:example.org'}\n")
	cfg, err := config.Parse(yaml, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the secrets in the unit's comment do not make a valid config: %v", err)
	}
	if cfg.Bot.Password != env["STARLING_PASSWORD"] || cfg.Encryption.PickleKey != env["STARLING_PICKLE_KEY"] {
		t.Fatal("STARLING_PASSWORD and STARLING_PICKLE_KEY were not both read")
	}
}

// systemd-analyze verify accepts the units, where it is installed. It runs
// under a scratch root that holds the programs they start, since the real
// /usr/local/bin/starling may not exist here.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze is not installed (Debian's systemd package, which make deps installs)")
	}
	if _, err = os.Stat("/usr/lib/systemd/system/sysinit.target"); err != nil {
		t.Fatal("systemd's own units are not installed (Debian's systemd package, which make deps installs)")
	}
	root := t.TempDir()
	files := []string{"starling.service", "starling-backup.service", "starling-backup.timer"}
	for _, dir := range []string{"usr/local/bin", "usr/bin", "usr/lib/systemd", "etc/systemd/system"} {
		if err = os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, bin := range []string{"usr/local/bin/starling", "usr/bin/find"} {
		if err = os.WriteFile(filepath.Join(root, bin), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// systemd's own targets, which the units are checked against.
	if out, err := exec.Command("cp", "-a", "/usr/lib/systemd/system", filepath.Join(root, "usr/lib/systemd")).CombinedOutput(); err != nil {
		t.Fatalf("failed to copy systemd's units: %v\n%s", err, out)
	}
	args := []string{"verify", "--root=" + root}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, "etc/systemd/system", f)
		if err = os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	if out, err := exec.Command(analyze, args...).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
