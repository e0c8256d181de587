package main

import "testing"

// The command line records finance users as the API does, so the four-eyes
// rules see one person whichever way they act.
func TestStaffNamesMatchTheAPI(t *testing.T) {
	for in, want := range map[string]string{
		"finance":      "user:finance",
		"user:finance": "user:finance",
		"hq:batch":     "hq:batch",
		"":             "",
	} {
		if got := staff(in); got != want {
			t.Errorf("staff(%q) = %q, want %q", in, got, want)
		}
	}
}
