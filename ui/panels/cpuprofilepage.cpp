#include "panels/cpuprofilepage.h"

#include "charts/flamegraph.h"
#include "model/format.h"
#include "models/cputreemodel.h"
#include "panels/bardelegate.h"
#include "panels/cpuprofilefilters.h"
#include "panels/cputreeexpansion.h"
#include "report/blockedstackprofile.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace coroscope::ui {
namespace {

// A live run's profile is rebuilt at most this often while the page is on screen: a tree of the
// node budget takes a while to merge, and a table that changes ten times a second cannot be read.
constexpr int kLiveRebuildMs = 1000;

/// The bottom-up table's search: the functions are its top level, and their callers all stay (a
/// recursive search would find the callers of every function: the whole inverted tree).
class TopLevelFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        return parent.isValid() || QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
};

QComboBox* comboBox(const char* name, QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents); // "Blocked stacks (selected block)" whole
    return box;
}

} // namespace

CpuProfilePage::CpuProfilePage(QWidget* parent)
    : QWidget(parent)
    , m_later(new QTimer(this)) {
    setObjectName(QStringLiteral("CpuProfilePage"));
    m_later->setSingleShot(true);
    connect(m_later, &QTimer::timeout, this, [this] {
        if (m_stale && isVisible())
            refresh();
    });

    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("cpuProfileHeader"));
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // The time range chosen in the timeline, with the way back to the whole run.
    m_rangeBar = new QWidget(this);
    m_rangeLabel = new QLabel(m_rangeBar);
    m_rangeLabel->setObjectName(QStringLiteral("cpuRange"));
    auto* wholeRun = new QPushButton(tr("Whole run"), m_rangeBar);
    wholeRun->setObjectName(QStringLiteral("cpuWholeRun"));
    auto* rangeLayout = new QHBoxLayout(m_rangeBar);
    rangeLayout->setContentsMargins(0, 0, 0, 0);
    rangeLayout->addWidget(m_rangeLabel, 1);
    rangeLayout->addWidget(wholeRun);
    m_rangeBar->hide();
    connect(wholeRun, &QPushButton::clicked, this, [this] {
        setTimeRange(std::nullopt);
        Q_EMIT timeRangeCleared();
    });

    m_source = comboBox("cpuSource", this);
    m_task = comboBox("cpuTask", this);
    m_event = comboBox("cpuEvent", this);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("cpuSearch"));
    m_search->setPlaceholderText(tr("Search functions"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(220);
    m_matches = new QLabel(this);
    // As wide as its longest text: the search field does not move as the share comes and goes.
    m_matches->setMinimumWidth(
        fontMetrics().horizontalAdvance(tr("%1 % of samples match").arg(QStringLiteral("100.0"))));
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setObjectName(QStringLiteral("cpuThreshold"));
    m_threshold->setRange(0, 50);
    m_threshold->setDecimals(1);
    m_threshold->setSingleStep(0.1);
    m_threshold->setSuffix(QStringLiteral(" %"));
    m_threshold->setToolTip(tr("Boxes of the flame graph below this share of its width are not drawn."));
    m_resetZoom = new QPushButton(tr("Reset zoom"), this);
    m_resetZoom->setEnabled(false);

    auto* filters = new QHBoxLayout;
    for (const auto& [text, box] : std::initializer_list<std::pair<QString, QComboBox*>>{
             {tr("Source:"), m_source}, {tr("Task:"), m_task}, {tr("Event:"), m_event}}) {
        filters->addWidget(new QLabel(text, this));
        filters->addWidget(box);
        filters->addSpacing(8);
    }
    filters->addStretch(1);
    filters->addWidget(m_search);
    filters->addWidget(m_matches);
    filters->addSpacing(8);
    filters->addWidget(new QLabel(tr("Hide boxes below"), this));
    filters->addWidget(m_threshold);
    filters->addWidget(m_resetZoom);

    m_flame = new FlameGraph(this);
    m_flame->setThreshold(0.1);
    m_threshold->setValue(m_flame->threshold());
    auto* flameScroll = new QScrollArea(this);
    flameScroll->setWidget(m_flame);
    flameScroll->setWidgetResizable(true);
    flameScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the graph fits the width
    m_topDown = new CpuTreeModel(this);
    m_topDownView = makeTree(m_topDown, CpuTreeModel::Inclusive, false);
    m_bottomUp = new CpuTreeModel(this);
    m_bottomUpView = makeTree(m_bottomUp, CpuTreeModel::Self, true);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("cpuViews"));
    m_tabs->addTab(flameScroll, tr("Flame graph"));
    m_tabs->addTab(m_topDownView, tr("Top-down"));
    m_tabs->addTab(m_bottomUpView, tr("Bottom-up"));

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("cpuProfileMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    // Lines of a readable length in the middle of the page, not one across a wide window.
    m_message->setMaximumWidth(fontMetrics().averageCharWidth() * 90);
    auto* messagePage = new QWidget(this);
    auto* messageLayout = new QHBoxLayout(messagePage);
    messageLayout->addWidget(m_message);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(messagePage);
    m_stack->addWidget(m_tabs);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_header);
    layout->addWidget(m_rangeBar);
    layout->addLayout(filters);
    layout->addWidget(m_stack, 1);

    connect(m_source, &QComboBox::currentIndexChanged, this, [this] {
        if (m_data)
            refresh();
    });
    connect(m_task, &QComboBox::currentIndexChanged, this, &CpuProfilePage::showTrees);
    connect(m_event, &QComboBox::currentIndexChanged, this, &CpuProfilePage::showTrees);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_flame->setSearch(text);
        for (QTreeView* view : {m_topDownView, m_bottomUpView})
            static_cast<QSortFilterProxyModel*>(view->model())->setFilterFixedString(text.trimmed());
        showSearchShare();
    });
    connect(m_threshold, &QDoubleSpinBox::valueChanged, m_flame, &FlameGraph::setThreshold);
    connect(m_resetZoom, &QPushButton::clicked, m_flame, &FlameGraph::resetZoom);
    connect(m_flame, &FlameGraph::zoomChanged, this, [this](int node) { m_resetZoom->setEnabled(node > 0); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_bottomUpStale && m_tabs->currentWidget() == m_bottomUpView)
            showBottomUp();
    });
    fillSources();
    clear();
}

QTreeView* CpuProfilePage::makeTree(CpuTreeModel* model, int sortColumn, bool bottomUp) {
    auto* proxy = bottomUp ? new TopLevelFilter(this) : new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(CpuTreeModel::SortRole);
    // The search keeps the matching functions and (top-down) the paths to them.
    proxy->setFilterKeyColumn(CpuTreeModel::Function);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy->setRecursiveFilteringEnabled(!bottomUp);
    auto* view = new QTreeView(this);
    view->setModel(proxy);
    view->setUniformRowHeights(true); // a tree of 100 000 rows scrolls
    view->setAlternatingRowColors(true);
    view->setSortingEnabled(true);
    view->sortByColumn(sortColumn, Qt::DescendingOrder);
    auto* bars = new BarDelegate(CpuTreeModel::FractionRole, view);
    view->setItemDelegateForColumn(CpuTreeModel::SelfPercent, bars);
    view->setItemDelegateForColumn(CpuTreeModel::InclusivePercent, bars);
    QHeaderView* header = view->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(CpuTreeModel::Function, QHeaderView::Stretch);
    const int figure = fontMetrics().horizontalAdvance(QStringLiteral("Inclusive (samples)")) + 24;
    header->resizeSection(CpuTreeModel::Module, figure + 40);
    for (const int column : {int(CpuTreeModel::Self), int(CpuTreeModel::SelfPercent),
                             int(CpuTreeModel::Inclusive), int(CpuTreeModel::InclusivePercent)})
        header->resizeSection(column, figure);
    return view;
}

void CpuProfilePage::setData(std::shared_ptr<const session::SessionData> data) {
    m_data = std::move(data);
    m_stale = true;
    if (!isVisible() || !m_data)
        return; // built when shown
    // The GUI thread spends at most a tenth of its time merging a live run's profile.
    const qint64 every = std::max<qint64>(kLiveRebuildMs, 10 * m_buildMs);
    if (m_data->finished || !m_built.isValid() || m_built.elapsed() >= every)
        refresh();
    else if (!m_later->isActive())
        m_later->start(int(every - m_built.elapsed()));
}

void CpuProfilePage::setSelectedSlowCallback(std::optional<std::uint64_t> dispatchSeq) {
    if (dispatchSeq == m_selectedBlock)
        return;
    m_selectedBlock = dispatchSeq;
    m_stale = true;
    if (isVisible() && m_data)
        refresh();
}

void CpuProfilePage::setTimeRange(std::optional<TimeRange> range) {
    if (range == m_range)
        return;
    m_range = range;
    m_stale = true;
    showRange();
    if (isVisible() && m_data)
        refresh();
}

void CpuProfilePage::showRange() {
    m_rangeBar->setVisible(m_range.has_value());
    m_rangeLabel->setText(rangeText());
}

QString CpuProfilePage::rangeText() const {
    if (!m_range)
        return QString();
    const std::int64_t start = m_data ? m_data->info.startNs : 0;
    const auto at = [start](std::int64_t ns) -> QString {
        return (ns < start ? QStringLiteral("-") : QStringLiteral("+")) +
               formatDuration(std::abs(ns - start));
    };
    QString text =
        tr("Time range %1 … %2 (%3), selected in the Tasks timeline")
            .arg(at(m_range->fromNs), at(m_range->toNs), formatDuration(m_range->toNs - m_range->fromNs));
    if (source() == CpuProfileSource::SelectedBlock)
        text += tr(": the selected block is shown whole");
    else if (m_profile && m_profile->counters.untimedSamples > 0 && source() == CpuProfileSource::CpuSamples)
        text += tr("; the %1 samples after the first %2 have no time and are in no range")
                    .arg(m_profile->counters.untimedSamples)
                    .arg(CpuProfile::kMaxTimedSamples);
    return text;
}

void CpuProfilePage::clear() {
    m_data.reset();
    m_profile.reset();
    m_selectedBlock.reset();
    m_range.reset();
    showRange();
    m_stale = false;
    m_built.invalidate();
    m_later->stop();
    fillSources();
    m_header->clear();
    for (QComboBox* box : {m_task, m_event}) {
        const QSignalBlocker block(box);
        box->clear();
    }
    m_topDownTree.reset();
    m_buildMs = 0;
    m_topDownKey.clear();
    m_bottomUpKey.clear();
    m_flame->setTree(nullptr, QString());
    m_topDown->setTree(nullptr, QString());
    m_bottomUp->setTree(nullptr, QString());
    m_message->setText(tr("Where the loop thread's time goes, once a session is open or a run starts."));
    m_stack->setCurrentWidget(m_message->parentWidget());
}

void CpuProfilePage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale && m_data)
        refresh();
}

CpuProfileSource CpuProfilePage::source() const {
    return CpuProfileSource(m_source->currentData().toInt());
}

void CpuProfilePage::setSource(CpuProfileSource source) {
    if (const int index = m_source->findData(int(source)); index >= 0)
        m_source->setCurrentIndex(index);
}

void CpuProfilePage::fillSources() {
    const QSignalBlocker block(m_source);
    const CpuProfileSource current = m_source->count() > 0 ? source() : CpuProfileSource::CpuSamples;
    m_source->clear();
    m_source->addItem(tr("CPU samples"), int(CpuProfileSource::CpuSamples));
    m_source->addItem(tr("Blocked stacks (all blocks)"), int(CpuProfileSource::AllBlocks));
    if (m_selectedBlock)
        m_source->addItem(tr("Blocked stacks (selected block)"), int(CpuProfileSource::SelectedBlock));
    // The selected block gone (another session, the selection cleared): all the blocks instead.
    const int index = m_source->findData(int(current));
    m_source->setCurrentIndex(index >= 0 ? index : 1);
}

void CpuProfilePage::refresh() {
    m_later->stop();
    m_stale = false;
    m_built.start();
    if (!m_data)
        return;
    const auto measure = qScopeGuard([this] { m_buildMs = m_built.elapsed(); });
    fillSources();
    m_blocksShown.reset();
    switch (source()) {
    case CpuProfileSource::CpuSamples:
        if (m_range) // the range's samples, counted again into the same tree
            m_profile = std::make_shared<const CpuProfile>(cpuProfileInRange(m_data->cpuProfile, *m_range));
        else // shares the session's lifetime, no copy
            m_profile = std::shared_ptr<const CpuProfile>(m_data, &m_data->cpuProfile);
        break;
    case CpuProfileSource::AllBlocks:
        if (m_range) {
            const std::vector<SlowCallback> inRange =
                slowCallbacksInRange(m_data->snapshot.slowCallbacks, *m_range);
            m_blocksShown = inRange.size();
            m_profile =
                std::make_shared<const CpuProfile>(blockedStackProfile(inRange, {}, &m_data->cpuProfile));
        } else {
            m_profile = std::make_shared<const CpuProfile>(
                blockedStackProfile(m_data->snapshot.slowCallbacks, {}, &m_data->cpuProfile));
        }
        break;
    case CpuProfileSource::SelectedBlock:
        m_profile = std::make_shared<const CpuProfile>(blockedStackProfile(
            m_data->snapshot.slowCallbacks, m_selectedBlock.value_or(0), &m_data->cpuProfile));
        break;
    }
    showRange();
    fillFilters();
    showTrees();
}

void CpuProfilePage::fillFilters() {
    // Not while the user is choosing from one: refilling closes its list.
    if (m_task->view()->isVisible() || m_event->view()->isVisible())
        return;
    fillTaskBox(*m_task, *m_profile);
    fillEventBox(*m_event, *m_profile);
}

CpuProfileFilter CpuProfilePage::filter() const {
    return selectedFilter(*m_task, *m_event);
}

void CpuProfilePage::showTrees() {
    if (!m_data || !m_profile)
        return;
    const CpuProfileFilter f = filter();
    const std::uint64_t shown = cpuSampleCount(*m_profile, f);
    m_header->setText(cpuProfileHeader(*m_data, *m_profile, source(), shown, m_blocksShown));
    QString reason = cpuProfileEmptyReason(*m_data, *m_profile, source(), m_range.has_value());
    if (reason.isEmpty() && shown == 0)
        reason = tr("Nothing of this task ran in this event type: choose another task or event.");
    if (!reason.isEmpty()) {
        m_message->setText(reason);
        m_stack->setCurrentWidget(m_message->parentWidget());
        m_topDownTree.reset();
        m_flame->setTree(nullptr, QString());
        m_topDown->setTree(nullptr, QString());
        m_bottomUp->setTree(nullptr, QString());
        showSearchShare();
        return;
    }
    m_message->clear();
    m_stack->setCurrentWidget(m_tabs);
    const QString unit = cpuProfileUnit(source());
    m_topDownTree = std::make_shared<const CpuCallTree>(CpuCallTree::topDown(m_profile, f));
    m_flame->setTree(m_topDownTree, unit);
    const QList<QStringList> open = expandedCpuPaths(*m_topDownView);
    m_topDown->setTree(m_topDownTree, unit);
    const QString key = treeKey();
    if (std::exchange(m_topDownKey, key) == key)
        restoreCpuExpansion(*m_topDownView, open);
    else
        expandHottestPath(*m_topDownView);
    m_bottomUpStale = true;
    if (m_tabs->currentWidget() == m_bottomUpView)
        showBottomUp();
    showSearchShare();
}

void CpuProfilePage::showBottomUp() {
    m_bottomUpStale = false;
    if (!m_topDownTree || m_stack->currentWidget() != m_tabs)
        return;
    const QList<QStringList> open = expandedCpuPaths(*m_bottomUpView);
    m_bottomUp->setTree(std::make_shared<const CpuCallTree>(CpuCallTree::bottomUp(m_topDownTree, filter())),
                        cpuProfileUnit(source()));
    const QString key = treeKey();
    if (std::exchange(m_bottomUpKey, key) == key)
        restoreCpuExpansion(*m_bottomUpView, open);
    else
        expandHottestPath(*m_bottomUpView, true);
}

void CpuProfilePage::showSearchShare() {
    if (m_search->text().trimmed().isEmpty() || !m_flame->tree()) {
        m_matches->clear();
        return;
    }
    const QString share = QString::number(m_flame->searchShare() * 100.0, 'f', 1);
    m_matches->setText(source() == CpuProfileSource::CpuSamples
                           ? tr("%1 % of samples match").arg(share)
                           : tr("%1 % of the blocked time matches").arg(share));
}

QString CpuProfilePage::treeKey() const {
    const CpuProfileFilter f = filter();
    return QStringLiteral("%1/%2/%3")
        .arg(int(source()))
        .arg(f.taskId ? QString::number(*f.taskId) : QStringLiteral("all"))
        .arg(f.eventType ? QStringLiteral("=") + *f.eventType : QStringLiteral("all"));
}

QString CpuProfilePage::headerText() const {
    return m_header->text();
}

QString CpuProfilePage::messageText() const {
    return m_stack->currentWidget() == m_message->parentWidget() ? m_message->text() : QString();
}

} // namespace coroscope::ui
