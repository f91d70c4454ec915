#pragma once

#include "models/cpucalltree.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

namespace coroscope::ui {

/// A flame graph of a CpuCallTree, drawn as an icicle: the root at the top, callees below their
/// callers. The root stays next to the filters above it, and as a live run's tree grows deeper
/// it grows downwards, so nothing the user is looking at moves (root-at-the-bottom graphs in a
/// scroll area jump). Boxes are as wide as their inclusive cost, children left to right by name
/// (stable while a run goes on), coloured by module (a stable hash: one library is one hue in
/// every run). A click zooms into a box (it then fills the width, its callers above it as
/// full-width breadcrumbs: a click on one zooms out to it); a double click on the root or Escape
/// shows the whole tree again.
class FlameGraph : public QWidget {
    Q_OBJECT
public:
    /// One box as laid out: pixels from the left, and its row (0 the top one).
    struct Box {
        int node = 0; ///< in tree()
        double x = 0;
        double width = 0;
        int depth = 0;
    };

    explicit FlameGraph(QWidget* parent = nullptr);

    /// Shows `tree` (costs in `unit`: "samples", "ms"); the zoom follows the same path into it.
    void setTree(std::shared_ptr<const CpuCallTree> tree, const QString& unit);
    const CpuCallTree* tree() const { return m_tree.get(); }

    /// Boxes below `percent` of the graph's width (the zoomed box's cost) are not drawn, nor
    /// what they call: the costly paths stand out and a huge tree stays quick to draw.
    void setThreshold(double percent);
    double threshold() const { return m_threshold; }

    /// Highlights the boxes whose name contains `text` (case-insensitive); empty: none.
    void setSearch(const QString& text);
    /// The share of the tree's cost under a matching box (nested matches counted once), 0–1.
    double searchShare() const { return m_searchShare; }
    bool matches(int node) const;

    void zoomTo(int node);
    void resetZoom() { zoomTo(0); }
    int zoomedNode() const { return m_zoom; }

    /// The boxes drawn at `width` pixels: the zoomed box's callers, itself, and what it calls
    /// down to the threshold. What paintEvent() draws, open for tests.
    std::vector<Box> layout(int width) const;
    /// The node drawn at `pos`, or -1.
    int nodeAt(const QPoint& pos) const;
    /// What the tooltip says of a node: function, module, file:line, self and total cost.
    QString toolTipText(int node) const;
    int rowHeight() const;

    QSize sizeHint() const override;

Q_SIGNALS:
    void zoomChanged(int node);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    QColor colorOf(int node) const;
    void updateMatches();
    void relayout();

    std::shared_ptr<const CpuCallTree> m_tree;
    QString m_unit;
    double m_threshold = 0;
    QString m_search;
    std::vector<bool> m_match; ///< by node; empty without a search
    double m_searchShare = 0;
    int m_zoom = 0;
    QStringList m_zoomPath; ///< the zoomed node's path: found again in the next tree of a live run
    int m_hover = -1;
    std::vector<Box> m_boxes; ///< as last painted, for the mouse
};

} // namespace coroscope::ui
