-- Segments for the lifecycle e-mail programme, refreshed daily.
with customers as (

    select * from {{ ref('dim_customers') }}

),

preferences as (

    select customer_id, accepts_marketing
    from {{ ref('stg_shop__customers') }}

)

select
    customers.customer_id,
    case
        when customers.number_of_orders >= 5 and customers.lifetime_value >= 500 then 'loyal'
        when customers.number_of_orders >= 2 then 'returning'
        when customers.number_of_orders = 1 then 'new'
        else 'prospect'
    end as segment,
    datediff('day', customers.most_recent_order_at, current_date) as days_since_last_order,
    preferences.accepts_marketing
from customers
inner join preferences
    on customers.customer_id = preferences.customer_id
