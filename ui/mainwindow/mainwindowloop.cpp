// MainWindow's Event loop view: loop lag over time with the blocked spans shaded, the slow
// callbacks as a scatter and a table, and the selected one's stack as a reader wants it (the
// script line first, runtime frames folded) — and the ways into it from the other views.
#include "charts/eventcharts.h"
#include "charts/timechart.h"
#include "mainwindow/mainwindow.h"
#include "models/slowcallbackmodel.h"
#include "panels/cpuprofilepage.h"
#include "panels/scripteditor.h"
#include "report/readablestack.h"
#include "report/scriptlocation.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBlock>
#include <QVBoxLayout>

namespace coroscope::ui {
namespace {

/// Puts the cursor on `line` (1-based) of the script, in the middle of the view, and marks the
/// whole line: where a slow callback or a verdict points.
void showLineIn(QPlainTextEdit& editor, int line) {
    const QTextBlock block = editor.document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return;
    QTextCursor cursor(block);
    editor.setTextCursor(cursor);
    editor.centerCursor();
    QTextEdit::ExtraSelection mark;
    mark.cursor = cursor;
    QColor tint = editor.palette().color(QPalette::Highlight);
    tint.setAlphaF(0.25F);
    mark.format.setBackground(tint);
    mark.format.setProperty(QTextFormat::FullWidthSelection, true);
    editor.setExtraSelections({mark});
}

} // namespace

QWidget* MainWindow::buildLoopView() {
    m_slow = new SlowCallbackModel(this);
    m_slowView = sortedTable(m_slow, SlowCallbackModel::SortRole);
    m_slowView->setAlternatingRowColors(true);
    // The figures as wide as they are, the place gets the rest: a row stays one line high.
    m_slowView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_slowView->horizontalHeader()->setSectionResizeMode(SlowCallbackModel::Location, QHeaderView::Stretch);
    connect(m_slowView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showStack);
    // Its place in the script: a double click (or Enter) on the row shows the line.
    connect(m_slowView, &QTableView::activated, this, [this](const QModelIndex& index) {
        if (!m_data)
            return;
        const QString location = index.siblingAtColumn(SlowCallbackModel::Location).data().toString();
        if (const int line = lineInScript(location, scriptFileName(m_data->info.script)))
            showScriptLine(line);
    });

    m_stack = new QPlainTextEdit(this);
    m_stack->setObjectName(QStringLiteral("stack"));
    m_stack->setReadOnly(true);
    m_stack->setPlaceholderText(tr("Select a slow callback to see the stack captured while it blocked."));
    m_stack->setFont(QFont(QStringLiteral("monospace")));
    // Long C++ signatures wrap: the frame is read without scrolling sideways.
    m_stack->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    auto* allFrames = new QCheckBox(tr("Show every frame"), this);
    allFrames->setObjectName(QStringLiteral("allFrames"));
    connect(allFrames, &QCheckBox::toggled, this, [this] { showStack(m_slowView->currentIndex()); });

    m_lagChart = new TimeChart(tr("Loop lag per 100 ms (blocked spans shaded)"), tr("ms"), this);
    m_slowScatter = new SlowCallbackScatter(this);
    connect(m_slowScatter, &SlowCallbackScatter::pointClicked, this, [this](int row) {
        auto* proxy = static_cast<QSortFilterProxyModel*>(m_slowView->model());
        m_slowView->setCurrentIndex(proxy->mapFromSource(m_slow->index(row, 0)));
    });

    auto* charts = new QSplitter(Qt::Vertical, this);
    charts->setObjectName(QStringLiteral("LoopChartsSplit"));
    charts->addWidget(m_lagChart);
    charts->addWidget(m_slowScatter);
    auto* stackBox = new QWidget(this);
    auto* stackLayout = new QVBoxLayout(stackBox);
    stackLayout->setContentsMargins(0, 0, 0, 0);
    stackLayout->addWidget(m_stack, 1);
    stackLayout->addWidget(allFrames);
    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->setObjectName(QStringLiteral("LoopTableSplit"));
    lower->addWidget(m_slowView);
    lower->addWidget(stackBox);
    lower->setSizes({560, 640});
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("LoopSplit"));
    split->addWidget(charts);
    split->addWidget(lower);
    split->setSizes({420, 300});
    return split;
}

void MainWindow::showStack(const QModelIndex& current) {
    const QString stack = current.data(SlowCallbackModel::StackRole).toString();
    // The CPU profile view offers this block's stack as a source ("Blocked stacks (selected block)").
    const QModelIndex row = static_cast<QSortFilterProxyModel*>(m_slowView->model())->mapToSource(current);
    m_cpuPage->setSelectedSlowCallback(
        m_data && row.isValid() && std::size_t(row.row()) < m_data->snapshot.slowCallbacks.size()
            ? std::optional(m_data->snapshot.slowCallbacks[std::size_t(row.row())].dispatchSeq)
            : std::nullopt);
    if (!current.isValid() || !m_data) {
        m_stack->clear();
        return;
    }
    QStringList lines;
    // The user's own code first: the script line that ran, with its text.
    const QString location = current.siblingAtColumn(SlowCallbackModel::Location).data().toString();
    if (!location.isEmpty()) {
        QString text;
        if (const int line = lineInScript(location, scriptFileName(m_data->info.script)))
            text = m_source->document()->findBlockByNumber(line - 1).text().trimmed();
        lines << (text.isEmpty() ? tr("at %1").arg(location)
                                 : tr("at %1:  %2").arg(location, text.left(200)));
        lines << QString();
    }
    const auto* all = findChild<QCheckBox*>(QStringLiteral("allFrames"));
    if (stack.isEmpty())
        lines << tr("(no stack: the watchdog could not capture one)");
    else
        lines << (all && all->isChecked() ? stack.split(u'\n', Qt::SkipEmptyParts) : readableStack(stack));
    m_stack->setPlainText(lines.join(u'\n'));
    // Selecting a slow callback shows its place in the script (not raising the Script view:
    // the user stays where they are; the line is there when they look).
    if (const int line = lineInScript(location, scriptFileName(m_data->info.script)))
        showLineIn(*m_source, line);
}

void MainWindow::showSlowCallback(std::uint64_t dispatchSeq) {
    if (!m_data)
        return;
    const auto& callbacks = m_data->snapshot.slowCallbacks;
    for (std::size_t row = 0; row < callbacks.size(); ++row)
        if (callbacks[row].dispatchSeq == dispatchSeq) {
            auto* proxy = static_cast<QSortFilterProxyModel*>(m_slowView->model());
            m_slowView->setCurrentIndex(proxy->mapFromSource(m_slow->index(int(row), 0)));
            showView(View::EventLoop);
            return;
        }
}

void MainWindow::showScriptLine(int line) {
    showLineIn(*m_source, line);
    showView(View::Script);
}

} // namespace coroscope::ui
