// MainWindow's Tasks view: the task table (a model over the session file, filtered and sorted by
// the database), the timeline of their lifetimes, tasks by state over time, and the selected
// task's details — all read on the task-store worker, never on the GUI thread.
#include "charts/eventcharts.h"
#include "mainwindow/mainwindow.h"
#include "model/format.h"
#include "models/tasktablemodel.h"
#include "panels/plaintextdelegate.h"
#include "panels/taskdetail.h"
#include "panels/tasktimeline.h"
#include "run/taskstoreworker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

namespace coroscope::ui {

QTableView* MainWindow::makeTaskTable(TaskTableModel* model) {
    auto* view = new QTableView(this);
    view->setModel(model);
    view->setSortingEnabled(true); // the model sorts: TaskTableModel::sort asks the database
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setItemDelegate(new PlainTextDelegate(view)); // a live run repaints it often
    view->verticalHeader()->hide();
    // Fixed row heights: a million rows are laid out without asking each one for its size.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QWidget* MainWindow::buildTasksView() {
    m_tasks = new TaskTableModel(*m_taskStore, this);
    m_taskText = new QLineEdit(this);
    m_taskText->setPlaceholderText(tr("Filter tasks: name, location, awaiting, error or id"));
    m_taskText->setClearButtonEnabled(true);
    m_taskState = new QComboBox(this);
    m_taskState->addItem(tr("All states"));
    for (int s = 0; s < kTaskStateCount; ++s)
        m_taskState->addItem(taskStateLabel(TaskState(s)));
    // Typing asks the database once it pauses, not for every key.
    auto* textPause = new QTimer(this);
    textPause->setSingleShot(true);
    textPause->setInterval(150);
    connect(m_taskText, &QLineEdit::textChanged, textPause, qOverload<>(&QTimer::start));
    connect(textPause, &QTimer::timeout, this, [this] { m_tasks->setTextFilter(m_taskText->text()); });
    connect(m_taskState, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_tasks->setStateFilter(index == 0 ? 0u : 1u << (index - 1)); });
    connect(m_tasks, &TaskTableModel::queried, this, [this] {
        // A task asked for by a verdict or the timeline, once the order that holds it is there.
        if (const std::uint64_t id = std::exchange(m_taskToSelect, 0))
            selectTask(id);
    });

    m_taskView = makeTaskTable(m_tasks);
    m_taskView->sortByColumn(TaskTableModel::Id, Qt::AscendingOrder);
    connect(m_taskView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                m_selectedTask = current.data(TaskTableModel::TaskIdRole).toULongLong();
                m_timeline->setSelectedTask(m_selectedTask);
                showTaskDetail();
            });
    m_timeline = new TaskTimeline(*m_tasks, *m_taskStore, this);
    connect(m_timeline, &TaskTimeline::taskClicked, this, &MainWindow::selectTask);
    m_stateChart = new TaskStateChart(this);

    m_taskTabs = new QTabWidget(this);
    m_taskTabs->setDocumentMode(true);
    m_taskTabs->addTab(m_taskView, tr("Table"));
    m_taskTabs->addTab(m_timeline, tr("Timeline"));
    m_taskTabs->addTab(m_stateChart, tr("States over time"));
    connect(m_taskTabs, &QTabWidget::currentChanged, this, qOverload<>(&MainWindow::showChartsIfStale),
            Qt::QueuedConnection);

    m_taskDetail = new QTextBrowser(this);
    m_taskDetail->setPlaceholderText(tr("Select a task to see its details."));
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("TasksSplit"));
    split->addWidget(m_taskTabs);
    split->addWidget(m_taskDetail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({900, 320});

    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_taskText, 1);
    filterRow->addWidget(m_taskState);
    layout->addLayout(filterRow);
    layout->addWidget(split, 1);
    return box;
}

void MainWindow::followTasks(const session::SessionData& data) {
    if (m_taskStore->path() != data.path) {
        m_taskStore->setPath(data.path);
        m_tasks->setSession(data.path, data.info.startNs);
        m_heapTasks->setSession(data.path, data.info.startNs);
    } else {
        m_tasks->refresh(data.info.startNs, data.snapshot.nowNs);
        m_heapTasks->refresh(data.info.startNs, data.snapshot.nowNs);
    }
    m_timeline->setRunSpan(data.info.startNs,
                           std::max(data.snapshot.nowNs, data.info.startNs + data.info.durationNs));
    if (m_selectedTask)
        showTaskDetail();
}

void MainWindow::showTaskDetail() {
    const std::uint64_t id = m_selectedTask;
    if (!id || !m_data) {
        m_taskDetail->clear();
        return;
    }
    m_taskStore->submit<std::optional<TaskDetail>>(
        this, [id](session::TaskStore& store) { return loadTaskDetail(store, id); },
        [this, id, startNs = m_data->info.startNs](std::optional<TaskDetail> detail) {
            if (id == m_selectedTask) // not one selected since
                m_taskDetail->setHtml(detail ? taskDetailHtml(*detail, startNs) : QString());
        });
}

void MainWindow::selectTask(std::uint64_t taskId) {
    int row = m_tasks->rowOfTask(taskId);
    if (row < 0) {
        // Hidden by a filter: clear them, and select it once the unfiltered order is there.
        if (m_taskText->text().isEmpty() && m_taskState->currentIndex() == 0)
            return;
        m_taskToSelect = taskId;
        m_taskText->clear();
        m_taskState->setCurrentIndex(0);
        m_tasks->setTextFilter(QString());
        return;
    }
    m_taskView->setCurrentIndex(m_tasks->index(row, 0));
    m_taskView->scrollTo(m_tasks->index(row, 0));
    m_taskTabs->setCurrentWidget(m_taskView);
    showView(View::Tasks);
}

} // namespace coroscope::ui
