package loadgen

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	t.Parallel()
	// Every value lies inside the range of its bucket, buckets are
	// ordered, and a bucket is no wider than 1/subBuckets of its values.
	rng := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, 255, 256, 257, 511, 512, 1 << 20, 1<<maxExp - 1}
	for range 10000 {
		values = append(values, rng.Int64N(1<<maxExp))
	}
	for _, v := range values {
		i := bucketOf(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Fatalf("value %d in bucket %d [%d, %d]", v, i, lo, hi)
		}
		if float64(hi-lo) > float64(lo)/subBuckets {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d", i, lo, hi, subBuckets)
		}
	}
	for i := 1; i < numBuckets; i++ {
		_, prevHi := bucketRange(i - 1)
		lo, _ := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
	}
	if got := bucketOf(math.MaxInt64); got != numBuckets-1 {
		t.Fatalf("huge value in bucket %d", got)
	}
}

func TestPercentilesUniform(t *testing.T) {
	t.Parallel()
	// Uniform 1..10000 µs, in shuffled order: the p-th percentile is
	// p*10000 µs, within the bucket precision.
	var h Histogram
	for _, v := range rand.New(rand.NewPCG(3, 4)).Perm(10000) {
		h.Record(time.Duration(v+1) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5000 * time.Microsecond},
		{0.9, 9000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{0.999, 9990 * time.Microsecond},
		{1, 10000 * time.Microsecond},
	}
	for _, tc := range tests {
		got := h.Percentile(tc.q)
		if rel := math.Abs(float64(got-tc.want)) / float64(tc.want); rel > 1.0/subBuckets {
			t.Errorf("p%v = %v, want %v within %.1f %%", tc.q*100, got, tc.want, 100.0/subBuckets)
		}
	}
	if h.Count() != 10000 || h.Min() != time.Microsecond || h.Max() != 10000*time.Microsecond {
		t.Fatalf("count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
	if mean := h.Mean(); mean != 5000500*time.Nanosecond {
		t.Fatalf("mean %v, want 5000.5µs", mean)
	}
	p := Summarize(&h)
	if math.Abs(p.P50-5000) > 5000.0/subBuckets || p.Max != 10000 {
		t.Fatalf("summary %+v", p)
	}
}

func TestPercentilesSkewed(t *testing.T) {
	t.Parallel()
	// 990 fast values and 10 slow ones: p99 is still fast, p99.9 slow.
	var h Histogram
	for range 990 {
		h.Record(100 * time.Microsecond)
	}
	for range 10 {
		h.Record(50 * time.Millisecond)
	}
	near := func(got, want time.Duration) bool {
		return math.Abs(float64(got-want)) <= float64(want)/subBuckets
	}
	if p := h.Percentile(0.99); !near(p, 100*time.Microsecond) {
		t.Errorf("p99 = %v, want 100µs", p)
	}
	if p := h.Percentile(0.999); !near(p, 50*time.Millisecond) {
		t.Errorf("p99.9 = %v, want 50ms", p)
	}
	if h.Percentile(1) != 50*time.Millisecond || h.Percentile(0) < 100*time.Microsecond {
		t.Errorf("p100 %v, p0 %v: not clamped to the exact max and min", h.Percentile(1), h.Percentile(0))
	}
	var empty Histogram
	if empty.Percentile(0.5) != 0 || empty.Mean() != 0 || empty.Bins(10) != nil {
		t.Error("an empty histogram reports values")
	}
}

func TestBins(t *testing.T) {
	t.Parallel()
	var h Histogram
	for v := 1; v <= 1000; v++ {
		h.Record(time.Duration(v) * time.Microsecond)
	}
	bins := h.Bins(10)
	var total int64
	for i, b := range bins {
		total += b.Count
		if b.Hi <= b.Lo || i > 0 && b.Lo < bins[i-1].Lo {
			t.Fatalf("bin %d %+v out of order", i, b)
		}
	}
	if len(bins) != 10 || total != 1000 {
		t.Fatalf("%d bins holding %d values", len(bins), total)
	}
	// Log-spaced: the last bin (631..1000 µs) holds far more than the first.
	if bins[9].Count < 300 || bins[0].Count > 5 {
		t.Fatalf("bins %+v", bins)
	}
}

func TestHistogramConcurrent(t *testing.T) {
	t.Parallel()
	var h Histogram
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				h.Record(time.Duration(g*1000+i+1) * time.Microsecond)
			}
		}()
	}
	for range 4 {
		<-done
	}
	if h.Count() != 4000 || h.Min() != time.Microsecond || h.Max() != 4000*time.Microsecond {
		t.Fatalf("count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	for i := range b.N {
		h.Record(time.Duration(i%100000) * time.Microsecond)
	}
}
