// The monthly bar chart. Chart.js draws on a canvas and styles it only through the CSSOM
// (`canvas.style.x = …`), which the CSP's `style-src 'self'` does not restrict; it injects no
// <style> element and no style attribute. Only the parts used are registered (tree-shaken).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import type { MonthTotals } from '../../lib/stats';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface ChartLabels {
  started: string;
  completed: string;
  reviewed: string;
  discarded: string;
  title: string;
}

const COLOURS = { started: '#7fa9c9', completed: '#2f6f5e', reviewed: '#c9a227', discarded: '#a05a5a' };
const MEASURES = ['started', 'completed', 'reviewed', 'discarded'] as const;

export interface MonthChart {
  update(months: MonthTotals[], labels: ChartLabels): void;
  destroy(): void;
}

export function createMonthChart(canvas: HTMLCanvasElement, months: MonthTotals[], labels: ChartLabels): MonthChart {
  const data = (ms: MonthTotals[], ls: ChartLabels) => ({
    labels: ms.map((m) => m.month),
    datasets: MEASURES.map((k) => ({ label: ls[k], data: ms.map((m) => m[k]), backgroundColor: COLOURS[k] })),
  });
  const chart = new Chart(canvas, {
    type: 'bar',
    data: data(months, labels),
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return {
    update(ms, ls) {
      chart.data = data(ms, ls);
      chart.update();
    },
    destroy() {
      chart.destroy();
    },
  };
}
