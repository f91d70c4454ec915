#pragma once

#include <QPlainTextEdit>

#include <cstdint>
#include <map>

namespace coroscope::ui {

/// The Script panel's editor: JavaScript with syntax highlighting and line numbers; lines that ran
/// a slow callback are marked in the gutter with their count and worst duration ("2× 820 ms", the
/// details in a tooltip), and clicking a mark asks to show those callbacks.
class ScriptEditor : public QPlainTextEdit {
    Q_OBJECT
public:
    /// The slow callbacks one line ran.
    struct SlowLine {
        int count = 0;
        std::int64_t worstNs = 0; ///< the longest of them
        bool operator==(const SlowLine&) const = default;
    };

    explicit ScriptEditor(QWidget* parent = nullptr);

    /// line (1-based) -> the slow callbacks it ran.
    void setSlowLines(std::map<int, SlowLine> lines);
    const std::map<int, SlowLine>& slowLineMarks() const { return m_slowLines; }
    /// line -> how many slow callbacks it ran (the counts of slowLineMarks()).
    const std::map<int, int>& slowLines() const { return m_slowCounts; }
    /// What the gutter shows beside a marked line's number ("2× 820 ms"); empty for other lines.
    QString slowLineLabel(int line) const;
    /// The gutter's tooltip over `line`; empty for a line without slow callbacks.
    QString slowLineToolTip(int line) const;
    int gutterWidth() const;
    QWidget* gutter() const;

Q_SIGNALS:
    void slowLineClicked(int line);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    class Gutter;
    void paintGutter(QPaintEvent* event);
    void gutterClicked(int y);
    int lineAt(int y) const;
    void layoutGutter();

    Gutter* m_gutter;
    std::map<int, SlowLine> m_slowLines;
    std::map<int, int> m_slowCounts;
    int m_markWidth = 0; ///< the widest mark label, 0 without marks
};

} // namespace coroscope::ui
