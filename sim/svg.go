package sim

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 560, 300
	marginL        = 70
	marginR        = 20
	marginT        = 40
	marginB        = 45
	legendRow      = 20
)

var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

// WriteSVG draws results as an SVG image (standard library only): goodput
// over time above p99 latency over time (log scale), one line per result,
// with a legend. The results should come from one scenario (as [Compare]
// returns them).
func WriteSVG(w io.Writer, results []*Result) error {
	var b strings.Builder
	height := 2*chartH + legendRow*len(results) + 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartW, height, chartW, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, height)
	title := ""
	if len(results) > 0 {
		title = results[0].Scenario + ": "
	}
	chart(&b, 0, title+"goodput (requests/s)", false, results, func(p Point) float64 { return p.Goodput })
	chart(&b, chartH, title+"p99 latency (ms, log scale)", true, results, func(p Point) float64 {
		return float64(p.P99) / float64(time.Millisecond)
	})
	for i, r := range results {
		y := 2*chartH + legendRow*i + 12
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`, marginL, y-4, marginL+24, y-4, color(i))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", marginL+30, y, html.EscapeString(r.Strategy))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func color(i int) string { return palette[i%len(palette)] }

// chart draws one panel at vertical offset top: axes, ticks and a
// polyline per result.
func chart(b *strings.Builder, top int, title string, logY bool, results []*Result, y func(Point) float64) {
	maxX, lo, hi := 0.0, math.Inf(1), 0.0
	for _, r := range results {
		for _, p := range r.Series {
			maxX = max(maxX, p.At.Seconds())
			if v := y(p); !logY || v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if hi <= 0 || math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if logY {
		lo, hi = math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if hi <= lo {
			hi = lo + 1
		}
	} else {
		lo, hi = 0, hi*1.1
	}
	x0, x1 := float64(marginL), float64(chartW-marginR)
	y0, y1 := float64(top+chartH-marginB), float64(top+marginT)
	sx := func(v float64) float64 { return x0 + v/max(maxX, 1)*(x1-x0) }
	sy := func(v float64) float64 {
		if logY {
			v = math.Log10(max(v, math.Pow(10, lo)))
		}
		return y0 - (v-lo)/(hi-lo)*(y0-y1)
	}
	fmt.Fprintf(b, `<text x="%g" y="%d" text-anchor="middle" font-size="14">%s</text>`+"\n", (x0+x1)/2, top+24, html.EscapeString(title))
	fmt.Fprintf(b, `<path d="M%g %gV%gH%g" fill="none" stroke="black"/>`+"\n", x0, y1, y0, x1)
	for i := range 6 {
		v := maxX * float64(i) / 5
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0fs</text>`+"\n", sx(v), y0+16, v)
	}
	for i := range 5 {
		v := lo + (hi-lo)*float64(i)/4
		label := v
		if logY {
			label = math.Pow(10, v)
			v = label
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-6, sy(v)+4, tick(label))
		fmt.Fprintf(b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/>`+"\n", x0, sy(v), x1, sy(v))
	}
	for i, r := range results {
		pts := make([]string, 0, len(r.Series))
		for _, p := range r.Series {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(p.At.Seconds()), sy(y(p))))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.Join(pts, " "), color(i))
	}
}

// tick formats an axis value.
func tick(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 10 || v == 0:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
