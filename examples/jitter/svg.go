package main

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
	panelW, panelH = 460, 320
	marginL        = 70
	marginR        = 20
	marginT        = 40
	marginB        = 50
	legendH        = 30
)

var colors = []string{"#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b"}

// panel is one chart: a title and, per series, one y value per cell.
type panel struct {
	title, unit string
	y           func(cell) float64
}

// drawSVG writes two charts side by side, total calls and completion time
// against the number of clients, one line per strategy, and a legend.
func drawSVG(w io.Writer, res []series) {
	panels := []panel{
		{"Total calls", "calls", func(m cell) float64 { return m.calls }},
		{"Completion time", "ms", func(m cell) float64 { return float64(m.completion) / float64(time.Millisecond) }},
	}
	width, height := panelW*len(panels), panelH+legendH
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	for i, p := range panels {
		fmt.Fprintf(w, `<g transform="translate(%d,0)">`+"\n", i*panelW)
		drawPanel(w, p, res)
		fmt.Fprintln(w, `</g>`)
	}
	drawLegend(w, res)
	fmt.Fprintln(w, `</svg>`)
}

// drawPanel draws the axes, ticks and one polyline per series. The y axis
// is logarithmic: without jitter the figures are ten times those with it.
func drawPanel(w io.Writer, p panel, res []series) {
	maxX, minY, maxY := 0.0, math.Inf(1), 0.0
	for _, s := range res {
		for _, m := range s.cells {
			maxX = max(maxX, float64(m.clients))
			minY, maxY = min(minY, p.y(m)), max(maxY, p.y(m))
		}
	}
	maxX = niceCeil(maxX)
	lo, hi := decades(minY, maxY)
	x0, y0, x1, y1 := float64(marginL), float64(panelH-marginB), float64(panelW-marginR), float64(marginT)
	sx := func(v float64) float64 { return x0 + v/maxX*(x1-x0) }
	sy := func(v float64) float64 { return y0 - (math.Log10(max(v, 1e-9))-lo)/(hi-lo)*(y0-y1) }

	fmt.Fprintf(w, `<text x="%g" y="24" text-anchor="middle" font-size="14">%s</text>`+"\n", (x0+x1)/2, esc(p.title))
	fmt.Fprintf(w, `<path d="M%g %gV%gH%g" fill="none" stroke="black"/>`+"\n", x0, y1, y0, x1)
	for i := range 6 {
		vx := maxX * float64(i) / 5
		fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", sx(vx), y0+16, num(vx))
	}
	for e := lo; e <= hi; e++ {
		vy := math.Pow(10, e)
		fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="end">%s</text>`+"\n", x0-6, sy(vy)+4, num(vy))
		fmt.Fprintf(w, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>`+"\n", x0, sy(vy), x1, sy(vy))
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">clients</text>`+"\n", (x0+x1)/2, y0+36)
	fmt.Fprintf(w, `<text transform="translate(16,%g) rotate(-90)" text-anchor="middle">%s (log scale)</text>`+"\n", (y0+y1)/2, esc(p.unit))
	for i, s := range res {
		pts := make([]string, len(s.cells))
		for j, m := range s.cells {
			pts[j] = fmt.Sprintf("%.1f,%.1f", sx(float64(m.clients)), sy(p.y(m)))
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></polyline>`+"\n",
			strings.Join(pts, " "), colors[i%len(colors)], esc(s.name))
	}
}

// decades returns the powers of ten, as exponents, that enclose [lo, hi],
// at least one decade apart.
func decades(lo, hi float64) (float64, float64) {
	l := math.Floor(math.Log10(max(lo, 1)))
	h := math.Ceil(math.Log10(max(hi, 1)))
	return l, max(h, l+1)
}

// drawLegend writes one coloured swatch and name per series along the bottom.
func drawLegend(w io.Writer, res []series) {
	for i, s := range res {
		x, y := marginL+i*220, panelH+legendH/2
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/>`+"\n", x, y-2, colors[i%len(colors)])
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", x+20, y+4, esc(s.name))
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0), so
// that the axis ticks fall on round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// num formats a tick value without needless decimals.
func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// esc escapes text for SVG.
func esc(s string) string { return html.EscapeString(s) }
