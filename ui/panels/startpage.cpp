#include "panels/startpage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace coroscope::ui {

StartPage::StartPage(QWidget* parent)
    : QWidget(parent)
    , m_examples(new QListWidget(this))
    , m_recent(new QListWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("<h2>Coroscope</h2><p>Load a workload script, press Run, and watch the event "
                                "loop, the tasks, the memory and the latency live. Or profile a Qt 6 "
                                "program of your own, unmodified.</p>"),
                             this);
    title->setWordWrap(true);
    layout->addWidget(title);
    auto* buttons = new QHBoxLayout;
    auto* openScript = new QPushButton(tr("Open Script…"), this);
    auto* openSession = new QPushButton(tr("Open Session…"), this);
    auto* profileProgram = new QPushButton(tr("Profile Program…"), this);
    buttons->addWidget(openScript);
    buttons->addWidget(openSession);
    buttons->addWidget(profileProgram);
    buttons->addStretch();
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("<b>Examples</b> — click one to open and run it"), this));
    layout->addWidget(m_examples, 2);
    layout->addWidget(new QLabel(tr("<b>Recent</b>"), this));
    layout->addWidget(m_recent, 1);
    connect(openScript, &QPushButton::clicked, this, &StartPage::openScriptRequested);
    connect(openSession, &QPushButton::clicked, this, &StartPage::openSessionRequested);
    connect(profileProgram, &QPushButton::clicked, this, &StartPage::profileProgramRequested);
    connect(m_examples, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT runExample(QStringLiteral("example:") + item->data(Qt::UserRole).toString());
    });
    connect(m_examples, &QListWidget::itemClicked, m_examples, &QListWidget::itemActivated);
    connect(m_recent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { Q_EMIT openFile(item->text()); });
}

void StartPage::setExamples(const QList<Example>& examples) {
    m_examples->clear();
    for (const Example& e : examples) {
        auto* item = new QListWidgetItem(QStringLiteral("%1 — %2").arg(e.name, e.summary), m_examples);
        item->setData(Qt::UserRole, e.name);
    }
}

void StartPage::setRecent(const QStringList& files) {
    m_recent->clear();
    m_recent->addItems(files);
}

} // namespace coroscope::ui
