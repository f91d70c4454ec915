#include "panels/scripteditor.h"

#include "model/format.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QToolTip>

namespace coroscope::ui {
namespace {

/// Enough JavaScript for workload scripts: keywords, the script API, strings, numbers, comments.
class JsHighlighter : public QSyntaxHighlighter {
public:
    explicit JsHighlighter(QTextDocument* document)
        : QSyntaxHighlighter(document) {
        QTextCharFormat keyword;
        keyword.setForeground(QColor(0x88, 0x22, 0xaa));
        keyword.setFontWeight(QFont::Bold);
        QTextCharFormat api;
        api.setForeground(QColor(0x00, 0x66, 0xbb));
        QTextCharFormat text;
        text.setForeground(QColor(0x11, 0x77, 0x33));
        QTextCharFormat number;
        number.setForeground(QColor(0xaa, 0x55, 0x00));
        m_comment.setForeground(QColor(0x80, 0x80, 0x80));
        m_rules = {
            {QRegularExpression(QStringLiteral(
                 "\\b(function|yield|return|const|let|var|if|else|for|while|do|break|continue|new|class|"
                 "extends|try|catch|finally|throw|true|false|null|undefined|this|of|in|typeof)\\b")),
             keyword},
            {QRegularExpression(
                 QStringLiteral("\\b(sleep|spawn|gather|gatherSettled|race|timeout|blockFor|burn|offload|"
                                "Queue|Semaphore|Lock|"
                                "Event|http|alloc|measure|record|log|console|random|randint|now|params)\\b")),
             api},
            {QRegularExpression(QStringLiteral("\\b\\d+(\\.\\d+)?\\b")), number},
            {QRegularExpression(QStringLiteral("'([^'\\\\]|\\\\.)*'|\"([^\"\\\\]|\\\\.)*\"|`[^`]*`")), text},
            {QRegularExpression(QStringLiteral("//[^\\n]*")), m_comment},
        };
    }

protected:
    void highlightBlock(const QString& block) override {
        for (const auto& [pattern, format] : m_rules)
            for (auto it = pattern.globalMatch(block); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                setFormat(int(m.capturedStart()), int(m.capturedLength()), format);
            }
        // Block comments, across lines.
        static const QRegularExpression open(QStringLiteral("/\\*")), close(QStringLiteral("\\*/"));
        setCurrentBlockState(0);
        qsizetype start = previousBlockState() == 1 ? 0 : block.indexOf(open);
        while (start >= 0) {
            const QRegularExpressionMatch end = close.match(block, start);
            const qsizetype length = end.hasMatch() ? end.capturedEnd() - start : block.size() - start;
            if (!end.hasMatch())
                setCurrentBlockState(1);
            setFormat(int(start), int(length), m_comment);
            start = block.indexOf(open, start + length);
        }
    }

private:
    std::vector<std::pair<QRegularExpression, QTextCharFormat>> m_rules;
    QTextCharFormat m_comment;
};

} // namespace

class ScriptEditor::Gutter : public QWidget {
public:
    explicit Gutter(ScriptEditor* editor)
        : QWidget(editor)
        , m_editor(editor) {}
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent* event) override { m_editor->paintGutter(event); }
    void mousePressEvent(QMouseEvent* event) override { m_editor->gutterClicked(int(event->position().y())); }
    bool event(QEvent* event) override {
        if (event->type() != QEvent::ToolTip)
            return QWidget::event(event);
        auto* help = static_cast<QHelpEvent*>(event);
        const QString tip = m_editor->slowLineToolTip(m_editor->lineAt(help->pos().y()));
        if (tip.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), tip, this);
        }
        return true;
    }

private:
    ScriptEditor* m_editor;
};

ScriptEditor::ScriptEditor(QWidget* parent)
    : QPlainTextEdit(parent)
    , m_gutter(new Gutter(this)) {
    setFont(QFont(QStringLiteral("monospace")));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    new JsHighlighter(document());
    connect(this, &QPlainTextEdit::blockCountChanged, this, &ScriptEditor::layoutGutter);
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& rect, int dy) {
        if (dy)
            m_gutter->scroll(0, dy);
        else
            m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    });
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

int ScriptEditor::gutterWidth() const {
    const int digits = int(QString::number(std::max(1, blockCount())).size());
    // The marks' labels get a column of their own, left of the numbers, only while there are any.
    return 16 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits +
           (m_markWidth ? m_markWidth + 8 : 0);
}

QWidget* ScriptEditor::gutter() const {
    return m_gutter;
}

void ScriptEditor::setSlowLines(std::map<int, SlowLine> lines) {
    m_slowLines = std::move(lines);
    m_slowCounts.clear();
    m_markWidth = 0;
    for (const auto& [line, mark] : m_slowLines) {
        m_slowCounts[line] = mark.count;
        m_markWidth = std::max(m_markWidth, fontMetrics().horizontalAdvance(slowLineLabel(line)));
    }
    layoutGutter();
    m_gutter->update();
}

QString ScriptEditor::slowLineLabel(int line) const {
    const auto it = m_slowLines.find(line);
    if (it == m_slowLines.end())
        return QString();
    // "1× 820 ms" rather than just "820 ms": a line that ran one long callback reads differently
    // from one that ran forty.
    return tr("%1× %2").arg(it->second.count).arg(formatDuration(it->second.worstNs));
}

QString ScriptEditor::slowLineToolTip(int line) const {
    const auto it = m_slowLines.find(line);
    if (it == m_slowLines.end())
        return QString();
    const SlowLine& mark = it->second;
    const QString what =
        mark.count == 1 ? tr("Line %1 ran a slow callback of %2.").arg(line).arg(formatDuration(mark.worstNs))
                        : tr("Line %1 ran %2 slow callbacks, the longest %3.")
                              .arg(line)
                              .arg(mark.count)
                              .arg(formatDuration(mark.worstNs));
    return what + u'\n' + (mark.count == 1 ? tr("Click to select it.") : tr("Click to select them."));
}

void ScriptEditor::layoutGutter() {
    setViewportMargins(gutterWidth(), 0, 0, 0);
    const QRect area = contentsRect();
    m_gutter->setGeometry(QRect(area.left(), area.top(), gutterWidth(), area.height()));
}

void ScriptEditor::resizeEvent(QResizeEvent* event) {
    QPlainTextEdit::resizeEvent(event);
    layoutGutter();
}

void ScriptEditor::paintGutter(QPaintEvent* event) {
    QPainter painter(m_gutter);
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    while (block.isValid() && top <= event->rect().bottom()) {
        const int height = qRound(blockBoundingRect(block).height());
        const int line = block.blockNumber() + 1;
        if (block.isVisible() && top + height >= event->rect().top()) {
            if (m_slowLines.count(line)) {
                painter.fillRect(QRect(0, top, m_gutter->width(), height), QColor(0xcf, 0x22, 0x2e));
                painter.setPen(Qt::white);
                painter.drawText(4, top, m_markWidth, height, Qt::AlignLeft | Qt::AlignVCenter,
                                 slowLineLabel(line));
            } else {
                painter.setPen(palette().color(QPalette::PlaceholderText));
            }
            painter.drawText(0, top, m_gutter->width() - 6, height, Qt::AlignRight | Qt::AlignVCenter,
                             QString::number(line));
        }
        block = block.next();
        top += height;
    }
}

int ScriptEditor::lineAt(int y) const {
    return cursorForPosition(QPoint(0, y)).blockNumber() + 1;
}

void ScriptEditor::gutterClicked(int y) {
    const int line = lineAt(y);
    if (m_slowLines.count(line))
        Q_EMIT slowLineClicked(line);
}

} // namespace coroscope::ui
