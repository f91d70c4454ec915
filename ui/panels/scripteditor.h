#pragma once

#include <QPlainTextEdit>

#include <map>

namespace coroscope::ui {

/// The Script panel's editor: JavaScript with syntax highlighting and line numbers; lines that ran
/// a slow callback are marked in the gutter, and clicking a mark asks to show those callbacks.
class ScriptEditor : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ScriptEditor(QWidget* parent = nullptr);

    /// line (1-based) -> how many slow callbacks it ran.
    void setSlowLines(std::map<int, int> lines);
    const std::map<int, int>& slowLines() const { return m_slowLines; }
    int gutterWidth() const;

Q_SIGNALS:
    void slowLineClicked(int line);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    class Gutter;
    void paintGutter(QPaintEvent* event);
    void gutterClicked(int y);

    Gutter* m_gutter;
    std::map<int, int> m_slowLines;
};

} // namespace coroscope::ui
