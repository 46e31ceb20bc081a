package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

func TestRun(t *testing.T) {
	srv := redistest.Start(t)
	exampletest.PrintsWith(t, run, []string{"-addr", srv.Addr()},
		"500 concurrent GetOrLoad calls on a cold key: 1 database query\n",
		"after replica A's Set, replica B reads price 1499\n",
		"database queries so far: 2 (three lookups of a missing product made one)\n",
		"remote errors 0",
	)
}

func TestRunHelp(t *testing.T) {
	exampletest.PrintsWith(t, run, []string{"-h"}, "-addr")
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-addr", "127.0.0.1:1"}, "no Redis at 127.0.0.1:1"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		exampletest.Fails(t, run, tt.args, tt.want)
	}
}
