//! The diesel schema, written by hand to match `migrations/{sqlite,postgres}`.
//! Private to `store`: the same column types on both backends (ids, states,
//! JSON and tag lists as text; timestamps without zone, UTC).

diesel::table! {
    workflow_definitions (id) {
        id -> Text,
        name -> Text,
        namespace -> Text,
        definition -> Text,
        spec -> Text,
        input -> Text,
        interface -> Text,
        checksum -> Text,
        tags -> Text,
        scope -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    environments (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        variables -> Text,
        scope -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    workflow_executions (id) {
        id -> Text,
        workflow_id -> Text,
        workflow_name -> Text,
        workflow_namespace -> Text,
        description -> Nullable<Text>,
        tags -> Text,
        spec_id -> Text,
        params -> Text,
        task_execution_id -> Nullable<Text>,
        root_execution_id -> Nullable<Text>,
        source_execution_id -> Nullable<Text>,
        state -> Text,
        state_info -> Nullable<Text>,
        input -> Text,
        output -> Text,
        context -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    task_executions (id) {
        id -> Text,
        name -> Text,
        execution_id -> Text,
        workflow_name -> Text,
        workflow_namespace -> Text,
        workflow_id -> Text,
        kind -> Text,
        tags -> Text,
        state -> Text,
        state_info -> Nullable<Text>,
        runtime_context -> Text,
        in_context -> Text,
        published -> Text,
        result -> Text,
        processed -> Bool,
        error_handled -> Bool,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    action_executions (id) {
        id -> Text,
        name -> Text,
        task_execution_id -> Nullable<Text>,
        execution_id -> Nullable<Text>,
        workflow_name -> Nullable<Text>,
        workflow_namespace -> Nullable<Text>,
        task_name -> Nullable<Text>,
        description -> Text,
        tags -> Text,
        state -> Text,
        state_info -> Nullable<Text>,
        accepted -> Bool,
        input -> Text,
        output -> Text,
        params -> Text,
        attempt -> BigInt,
        item_index -> Nullable<Integer>,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    workflow_versions (id) {
        id -> Text,
        spec -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(task_executions -> workflow_executions (execution_id));

diesel::allow_tables_to_appear_in_same_query!(
    workflow_definitions,
    workflow_executions,
    workflow_versions,
    task_executions,
    action_executions,
);

diesel::table! {
    action_definitions (id) {
        id -> Text,
        name -> Text,
        namespace -> Text,
        definition -> Text,
        spec -> Text,
        input -> Text,
        description -> Nullable<Text>,
        tags -> Text,
        scope -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    workbooks (id) {
        id -> Text,
        name -> Text,
        namespace -> Text,
        definition -> Text,
        spec -> Text,
        tags -> Text,
        scope -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cron_triggers (id) {
        id -> Text,
        name -> Text,
        pattern -> Text,
        first_execution_time -> Nullable<Timestamp>,
        next_execution_time -> Timestamp,
        remaining_executions -> Nullable<Integer>,
        workflow_name -> Text,
        workflow_id -> Text,
        workflow_namespace -> Text,
        workflow_input -> Text,
        workflow_params -> Text,
        timezone -> Nullable<Text>,
        catch_up -> Nullable<Text>,
        scope -> Text,
        project_id -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        execution_id -> Text,
        url -> Text,
        headers -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}
