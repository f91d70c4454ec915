#include "panels/scripteditor.h"

#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextBlock>

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

private:
    ScriptEditor* m_editor;
};

ScriptEditor::ScriptEditor(QWidget* parent)
    : QPlainTextEdit(parent)
    , m_gutter(new Gutter(this)) {
    setFont(QFont(QStringLiteral("monospace")));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    new JsHighlighter(document());
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
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
    return 16 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void ScriptEditor::setSlowLines(std::map<int, int> lines) {
    m_slowLines = std::move(lines);
    m_gutter->update();
}

void ScriptEditor::resizeEvent(QResizeEvent* event) {
    QPlainTextEdit::resizeEvent(event);
    const QRect area = contentsRect();
    m_gutter->setGeometry(QRect(area.left(), area.top(), gutterWidth(), area.height()));
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

void ScriptEditor::gutterClicked(int y) {
    const QTextCursor cursor = cursorForPosition(QPoint(0, y));
    const int line = cursor.blockNumber() + 1;
    if (m_slowLines.count(line))
        Q_EMIT slowLineClicked(line);
}

} // namespace coroscope::ui
