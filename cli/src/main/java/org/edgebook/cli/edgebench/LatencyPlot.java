package org.edgebook.cli.edgebench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/** Draws latency by percentile (both axes logarithmic) for several runs into one PNG. */
final class LatencyPlot {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    /** x runs from the median (2 nines = 99%... ) : x = log10(1 / (1 - p)), p from 0 to 99.999%. */
    private static final double MAX_NINES = 5;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf)};

    record Series(String name, Histogram latencyMicros) {
    }

    private LatencyPlot() {
    }

    static void write(final String title, final List<Series> series, final Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double minMs = Double.MAX_VALUE;
        double maxMs = 0;
        for (final Series s : series) {
            if (s.latencyMicros().getTotalCount() == 0) {
                continue;
            }
            minMs = Math.min(minMs, Math.max(0.001, s.latencyMicros().getMinValue() / 1000.0));
            maxMs = Math.max(maxMs, s.latencyMicros().getMaxValue() / 1000.0);
        }
        if (maxMs == 0) {
            minMs = 0.1;
            maxMs = 1;
        }
        final double lo = Math.floor(Math.log10(minMs));
        final double hi = Math.ceil(Math.log10(maxMs));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(LEFT, TOP, plotW, plotH);
        final String[] xLabels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int n = 0; n <= MAX_NINES; n++) {
            final int x = LEFT + (int) (plotW * n / MAX_NINES);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.BLACK);
            g.drawString(xLabels[n], x - 15, TOP + plotH + 18);
        }
        g.drawString("percentile", LEFT + plotW / 2 - 30, HEIGHT - 15);
        for (double d = lo; d <= hi; d++) {
            final int y = TOP + plotH - (int) (plotH * (d - lo) / Math.max(1, hi - lo));
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.BLACK);
            final double ms = Math.pow(10, d);
            g.drawString(ms >= 1 ? String.format("%.0f ms", ms) : String.format("%s ms", ms), 10, y + 4);
        }
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < series.size(); i++) {
            final Series s = series.get(i);
            g.setColor(COLORS[i % COLORS.length]);
            g.drawString(s.name(), LEFT + plotW + 20, TOP + 20 + i * 20);
            if (s.latencyMicros().getTotalCount() == 0) {
                continue;
            }
            int lastX = -1;
            int lastY = -1;
            for (int step = 0; step <= 500; step++) {
                final double nines = MAX_NINES * step / 500;
                final double percentile = 100 * (1 - Math.pow(10, -nines));
                final double ms = Math.max(0.001, s.latencyMicros().getValueAtPercentile(percentile) / 1000.0);
                final int x = LEFT + (int) (plotW * nines / MAX_NINES);
                final int y = TOP + plotH - (int) (plotH * (Math.log10(ms) - lo) / Math.max(1, hi - lo));
                if (lastX >= 0) {
                    g.drawLine(lastX, lastY, x, y);
                }
                lastX = x;
                lastY = y;
            }
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }
}
