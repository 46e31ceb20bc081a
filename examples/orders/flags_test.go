package main

import (
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-duration", "1s"}, "-duration must be at least 3.5s, got 1s"},
		{[]string{"-duration", "ten"}, "invalid value"},
		{[]string{"-workers", "1"}, "-workers must be between 2 and 16, got 1"},
		{[]string{"-rate", "0"}, "-rate must be between 1 and 2000, got 0"},
		{[]string{"-visibility", "10ms"}, "-visibility must be between 200ms and 1m, got 10ms"},
		{[]string{"-drain", "0s"}, "-drain must be at least 1s, got 0s"},
		{[]string{"-redis", "10.0.0.1:6379"}, `"10.0.0.1:6379" is not a loopback address`},
		{[]string{"-redis", "nohost"}, `bad address "nohost"`},
		{[]string{"extra"}, `takes no arguments, got "extra"`},
	}
	for _, tt := range tests {
		exampletest.Fails(t, run, tt.args, tt.want)
	}
}

func TestRunRedisFromEnv(t *testing.T) {
	t.Setenv("REDIS_ADDR", "example.com:6379")
	exampletest.Fails(t, run, nil, `"example.com:6379" is not a loopback address`)
}

func TestRunWithoutRedisServer(t *testing.T) {
	t.Setenv("REDIS_ADDR", "")
	t.Setenv("PATH", t.TempDir()) // no redis-server there
	exampletest.Fails(t, run, nil, "redis-server not found on PATH: install Redis")
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:6379", true},
		{"[::1]:6379", true},
		{"localhost:6379", true},
		{"192.168.1.2:6379", false},
		{"redis.example.com:6379", false},
		{"6379", false},
	}
	for _, tt := range tests {
		if err := checkLoopback(tt.addr); (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
}

func TestRunHelp(t *testing.T) {
	exampletest.PrintsWith(t, run, []string{"-h"}, "-duration", "-workers", "-rate", "-seed", "-redis")
}
