#include "charts/flamegraph.h"

#include <QKeyEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QToolTip>

#include <algorithm>

namespace coroscope::ui {
namespace {

// Narrower boxes are not drawn (nor what they call): they would be a smear of borders.
constexpr double kMinBoxPixels = 0.5;

/// FNV-1a: unlike qHash, the same in every process, so a module keeps its colour from run to run.
std::uint32_t stableHash(const QString& text) {
    std::uint32_t h = 2166136261U;
    for (const QChar c : text) {
        h ^= c.unicode();
        h *= 16777619U;
    }
    return h;
}

/// "void ns::Class::run<int>(Arg const&) const" -> "ns::Class::run": what a narrow box can show.
QString shortName(const QString& name) {
    QString out;
    int depth = 0;
    for (const QChar c : name) {
        if (c == u'<')
            ++depth;
        else if (c == u'>')
            depth = std::max(0, depth - 1);
        else if (c == u'(' && depth == 0 && !out.trimmed().isEmpty())
            break;
        else if (depth == 0)
            out += c;
    }
    out = out.trimmed();
    return out.contains(u' ') ? out.section(u' ', -1) : out;
}

} // namespace

FlameGraph::FlameGraph(QWidget* parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::ClickFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FlameGraph::setTree(std::shared_ptr<const CpuCallTree> tree, const QString& unit) {
    m_tree = std::move(tree);
    m_unit = unit;
    const int zoom = m_tree ? m_tree->find(m_zoomPath) : 0;
    m_hover = -1;
    updateMatches();
    if (zoom != m_zoom) {
        m_zoom = zoom;
        Q_EMIT zoomChanged(m_zoom);
    }
    relayout();
}

void FlameGraph::setThreshold(double percent) {
    m_threshold = std::clamp(percent, 0.0, 100.0);
    relayout();
}

void FlameGraph::setSearch(const QString& text) {
    m_search = text.trimmed();
    updateMatches();
    update();
}

bool FlameGraph::matches(int node) const {
    return node >= 0 && std::size_t(node) < m_match.size() && m_match[std::size_t(node)];
}

void FlameGraph::updateMatches() {
    m_match.clear();
    m_searchShare = 0;
    if (!m_tree || m_search.isEmpty())
        return;
    const auto size = std::size_t(m_tree->size());
    m_match.assign(size, false);
    std::vector<bool> under(size, false); // under a matching box: already counted
    std::uint64_t matched = 0;
    // Parents come before their children in a tree's nodes.
    for (std::size_t id = 0; id < size; ++id) {
        const CpuCallTree::Node& node = m_tree->node(int(id));
        m_match[id] = m_tree->name(int(id)).contains(m_search, Qt::CaseInsensitive);
        const bool parentUnder = node.parent >= 0 && under[std::size_t(node.parent)];
        if (m_match[id] && !parentUnder)
            matched += node.total;
        under[id] = parentUnder || m_match[id];
    }
    m_searchShare = m_tree->total() > 0 ? double(matched) / double(m_tree->total()) : 0.0;
}

void FlameGraph::zoomTo(int node) {
    if (!m_tree || node < 0 || node >= m_tree->size())
        node = 0;
    m_zoom = node;
    m_zoomPath = m_tree ? m_tree->path(node) : QStringList();
    relayout();
    Q_EMIT zoomChanged(m_zoom);
}

std::vector<FlameGraph::Box> FlameGraph::layout(int width) const {
    std::vector<Box> boxes;
    if (!m_tree || m_tree->size() == 0 || width <= 0)
        return boxes;
    // The zoomed box's callers, each the whole width: the way back out.
    std::vector<int> callers;
    for (int at = m_tree->node(m_zoom).parent; at >= 0; at = m_tree->node(at).parent)
        callers.push_back(at);
    int depth = 0;
    for (auto it = callers.rbegin(); it != callers.rend(); ++it)
        boxes.push_back({*it, 0, double(width), depth++});
    const std::uint64_t whole = m_tree->node(m_zoom).total;
    if (whole == 0) {
        boxes.push_back({m_zoom, 0, double(width), depth});
        return boxes;
    }
    const double scale = double(width) / double(whole);
    const double minCost = double(whole) * m_threshold / 100.0;
    // Depth first, children left to right from their parent's left edge.
    std::vector<Box> pending{{m_zoom, 0, double(width), depth}};
    while (!pending.empty()) {
        const Box box = pending.back();
        pending.pop_back();
        boxes.push_back(box);
        double x = box.x;
        for (const int child : m_tree->children(box.node)) {
            const std::uint64_t cost = m_tree->node(child).total;
            const double w = double(cost) * scale;
            if (double(cost) >= minCost && w >= kMinBoxPixels)
                pending.push_back({child, x, w, box.depth + 1});
            x += w;
        }
    }
    return boxes;
}

int FlameGraph::rowHeight() const {
    return fontMetrics().height() + 6;
}

void FlameGraph::relayout() {
    m_boxes = layout(width());
    int rows = 1;
    for (const Box& b : m_boxes)
        rows = std::max(rows, b.depth + 1);
    // As tall as the graph: the scroll area around it scrolls a deep one.
    setMinimumHeight(rows * rowHeight());
    update();
}

QSize FlameGraph::sizeHint() const {
    return {800, minimumHeight()};
}

int FlameGraph::nodeAt(const QPoint& pos) const {
    const int row = pos.y() / rowHeight();
    for (const Box& b : m_boxes)
        if (b.depth == row && pos.x() >= b.x && pos.x() < b.x + std::max(b.width, 1.0))
            return b.node;
    return -1;
}

QColor FlameGraph::colorOf(int node) const {
    const CpuCallTree::Node& n = m_tree->node(node);
    QColor color;
    if (n.kind == CpuCallTree::Kind::Root)
        color = QColor(0xd4, 0xd4, 0xd8);
    else if (n.kind == CpuCallTree::Kind::Task)
        color = QColor(0xb9, 0xc8, 0xdc);
    else {
        // A pastel hue per module, from all around the wheel so that neighbouring libraries
        // differ; light enough for black text in a light and a dark palette.
        const std::uint32_t h = stableHash(m_tree->module(node));
        color = QColor::fromHsv(int(h % 360), 80 + int((h >> 9) % 60), 235 + int((h >> 17) % 21));
    }
    if (!m_search.isEmpty() && !matches(node)) // a search fades what does not match
        color = QColor::fromHsv(color.hsvHue(), color.hsvSaturation() / 5, 235);
    return color;
}

void FlameGraph::paintEvent(QPaintEvent*) {
    if (m_boxes.empty() && m_tree)
        m_boxes = layout(width());
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const int rh = rowHeight();
    const QFontMetrics fm = fontMetrics();
    for (const Box& b : m_boxes) {
        const QRectF r(b.x, b.depth * rh, std::max(b.width - 1.0, 0.5), rh - 1);
        p.fillRect(r, colorOf(b.node));
        if (b.node == m_hover || (!m_search.isEmpty() && matches(b.node))) {
            p.setPen(QPen(b.node == m_hover ? QColor(Qt::black) : QColor(0x9c, 0x1a, 0x8c), 1.5));
            p.drawRect(r.adjusted(0.75, 0.75, -0.75, -0.75));
        }
        const int room = int(r.width()) - 8;
        if (room < fm.averageCharWidth() * 3)
            continue;
        // The whole name if it fits, else without its return type, template arguments and
        // parameters, elided: a box's first characters then say which function it is.
        const QString name = m_tree->name(b.node);
        QString label = fm.horizontalAdvance(name) <= room ? name : shortName(name);
        label = fm.elidedText(label, Qt::ElideRight, room);
        if (label.size() <= 1) // just "…"
            continue;
        p.setPen(!m_search.isEmpty() && !matches(b.node) ? QColor(0x70, 0x70, 0x70) : QColor(Qt::black));
        p.drawText(r.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft, label);
    }
}

QString FlameGraph::toolTipText(int node) const {
    if (!m_tree || node < 0 || node >= m_tree->size())
        return QString();
    const CpuCallTree::Node& n = m_tree->node(node);
    const double total = double(std::max<std::uint64_t>(m_tree->total(), 1));
    const auto cost = [&](std::uint64_t v) {
        return tr("%1 %2 (%3 %)")
            .arg(QLocale().toString(qulonglong(v)), m_unit)
            .arg(double(v) * 100.0 / total, 0, 'f', 1);
    };
    QStringList lines{m_tree->name(node)};
    if (const QString module = m_tree->module(node); !module.isEmpty())
        lines << tr("module: %1").arg(module);
    if (const QString where = m_tree->location(node); !where.isEmpty())
        lines << tr("at %1").arg(where);
    lines << tr("self: %1").arg(cost(n.self)) << tr("total: %1").arg(cost(n.total));
    return lines.join(u'\n');
}

bool FlameGraph::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(e);
        const int node = nodeAt(help->pos());
        if (node < 0) {
            QToolTip::hideText();
            return true;
        }
        // Rich text, so a long C++ signature wraps instead of running off the screen.
        QStringList lines = toolTipText(node).toHtmlEscaped().split(u'\n');
        lines.front() = QStringLiteral("<b>%1</b>").arg(lines.front());
        QToolTip::showText(help->globalPos(), lines.join(QStringLiteral("<br>")), this);
        return true;
    }
    return QWidget::event(e);
}

void FlameGraph::mouseMoveEvent(QMouseEvent* event) {
    const int node = nodeAt(event->position().toPoint());
    if (node != m_hover) {
        m_hover = node;
        setCursor(node >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void FlameGraph::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton)
        return;
    if (const int node = nodeAt(event->position().toPoint()); node >= 0)
        zoomTo(node);
}

void FlameGraph::mouseDoubleClickEvent(QMouseEvent* event) {
    if (nodeAt(event->position().toPoint()) == 0)
        resetZoom();
}

void FlameGraph::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape)
        resetZoom();
    else if (event->key() == Qt::Key_Backspace && m_tree && m_zoom > 0)
        zoomTo(m_tree->node(m_zoom).parent);
    else
        QWidget::keyPressEvent(event);
}

void FlameGraph::resizeEvent(QResizeEvent* event) {
    if (event->size().width() != event->oldSize().width())
        relayout();
}

void FlameGraph::leaveEvent(QEvent*) {
    m_hover = -1;
    update();
}

} // namespace coroscope::ui
